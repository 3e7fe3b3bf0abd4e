using BenchmarkDotNet.Running;
using CadMl.Benchmarks;

// build/bench [BenchmarkDotNet arguments]   e.g. build/bench --filter '*Extraction*' --job short
// build/bench corpus-profile                per-file latency, throughput and allocations over the real corpus
// build/bench report [sizes...]             vector search: per-query percentiles, recall, build time, memory
// build/bench migration [vectors] [--repeat n] [--batch b,...] [--index kind]
//                                           whole-store v3 -> v4 migration under a search load: time, peak RSS, search latency
// build/bench restart [vectors] [--writes w] [--index hnsw|flat]
//                                           restart with a saved index w writes behind the store: time until FAISS serves them all
switch (args)
{
    case ["corpus-profile"]:
        CorpusProfile.Run();
        return;
    case ["report", .. var sizes]:
        VectorSearchReport.Run(sizes);
        return;
    case ["restart", .. var options]:
        await IndexRestartReport.RunAsync(options);
        return;
    case ["migration", .. var options]:
        await VectorMigrationReport.RunAsync(options);
        return;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(CorpusReaders).Assembly).Run(args);
        return;
}
