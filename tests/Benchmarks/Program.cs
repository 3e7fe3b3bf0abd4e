using BenchmarkDotNet.Running;
using CadMl.Benchmarks;

// Run with: build/bench [BenchmarkDotNet filters], e.g. build/bench --filter '*Extraction*'
//           build/bench report [sizes...]   per-query percentiles, recall, build time, memory
if (args.Length > 0 && args[0] == "report")
{
    VectorSearchReport.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
