using BenchmarkDotNet.Running;
using CadMl.Benchmarks;

// build/bench [BenchmarkDotNet arguments], e.g. build/bench --filter '*Extraction*'
// build/bench corpus-profile   per-file latency, throughput and allocations over the real corpus
if (args is ["corpus-profile"])
{
    CorpusProfile.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CorpusReaders).Assembly).Run(args);
