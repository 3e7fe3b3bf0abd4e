using BenchmarkDotNet.Running;

// Run with: build/bench [BenchmarkDotNet filters], e.g. build/bench --filter '*Extraction*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
