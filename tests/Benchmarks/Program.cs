using BenchmarkDotNet.Running;
using CadMl.Benchmarks;

// build/bench [BenchmarkDotNet arguments]   e.g. build/bench --filter '*Extraction*' --job short
// build/bench corpus-profile                per-file latency, throughput and allocations over the real corpus
// build/bench report [sizes...]             vector search: per-query percentiles, recall, build time, memory
switch (args)
{
    case ["corpus-profile"]:
        CorpusProfile.Run();
        return;
    case ["report", .. var sizes]:
        VectorSearchReport.Run(sizes);
        return;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(CorpusReaders).Assembly).Run(args);
        return;
}
