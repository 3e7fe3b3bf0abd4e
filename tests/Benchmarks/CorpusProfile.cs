using System.Diagnostics;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Features;

namespace CadMl.Benchmarks;

/// <summary>
/// Per-file latency over the real corpus (build/bench corpus-profile): each file is parsed and
/// extracted five times after a warm-up, the fastest run counts (least disturbed by the shared
/// machine), and the median and p95 over files are reported with throughput and allocations.
/// </summary>
internal static class CorpusProfile
{
    /// <summary>The feature version extracted after each parse: v4 unless CADML_BENCH_FEATURE_VERSION names another.</summary>
    private static readonly FeatureVersion Version = FeatureVersions.Parse(Environment.GetEnvironmentVariable("CADML_BENCH_FEATURE_VERSION") is { Length: > 0 } v ? v : "v4");

    private const int Runs = 5;

    public static void Run()
    {
        Console.WriteLine("| format | files | MB | MB/s | files/s | median per file | p95 per file | allocated KB per MB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (folder, reader) in CorpusReaders.ByFolder.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var files = CorpusReaders.Load(folder);
            var bytes = files.Sum(f => (long)f.Content.Length);
            var best = new double[files.Count];
            foreach (var (_, content) in files)
            {
                ParseQuietly(reader, content);
            }

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < files.Count; i++)
            {
                best[i] = double.MaxValue;
                for (var run = 0; run < Runs; run++)
                {
                    var started = Stopwatch.GetTimestamp();
                    ParseQuietly(reader, files[i].Content);
                    best[i] = Math.Min(best[i], Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            var allocatedPerRun = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)Runs;
            var total = best.Sum() / 1000;
            var sorted = best.Order().ToArray();
            var mb = bytes / 1048576.0;
            Console.WriteLine(
                $"| {folder} | {files.Count} | {mb:F1} | {mb / total:F0} | {files.Count / total:F0} | {sorted[sorted.Length / 2]:F3} ms | {sorted[(int)Math.Ceiling(sorted.Length * 0.95) - 1]:F3} ms | {allocatedPerRun / 1024 / mb:F0} |");
        }
    }

    private static void ParseQuietly(ICadReader reader, byte[] content)
    {
        try
        {
            FeatureExtractor.Extract(reader.Read(content, CancellationToken.None), Version);
        }
        catch (CadReadException)
        {
            // Refused files still cost their parse time.
        }
    }
}
