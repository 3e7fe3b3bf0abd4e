using System.Diagnostics;
using System.Globalization;
using System.Text;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;

namespace CadMl.Benchmarks;

/// <summary>
/// Per-query latency percentiles, recall, build time and memory per vector for every backend
/// at 10k, 100k and 1M 24-d vectors. BenchmarkDotNet reports means of batched iterations, which
/// hide the tail; the p95 targets are about single queries, so each query is timed on its own.
/// Run: build/bench report [sizes...] > docs fragment.
/// </summary>
internal static class VectorSearchReport
{
    private const int Dimension = 24;
    private const int K = 10;

    public static void Run(string[] args)
    {
        var clustered = args.Contains("--clustered");
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var sizes = numbers.Length > 0 ? numbers.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [10_000, 100_000, 1_000_000];
        var library = new FaissLibrary(Microsoft.Extensions.Options.Options.Create(new VectorIndexOptions()));
        var native = library.TryLoad(out var error) ?? throw new InvalidOperationException(error);
        Console.WriteLine($"native: {native.Version}");
        var report = new StringBuilder();
        report.AppendLine("| vectors | backend | build s | memory B/vector | p50 µs | p95 µs | p99 µs | recall@10 |");
        report.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        var sweep = new StringBuilder();
        foreach (var size in sizes)
        {
            var data = clustered ? Clustered(size, seed: 1) : Random(size, seed: 1);
            var queries = clustered ? Clustered(1000, seed: 2) : Random(1000, seed: 2);
            var normalizedQueries = queries.Select(VectorMath.Normalize).ToArray();

            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();
            var exact = new ExactShard(Dimension);
            for (var i = 0; i < size; i++)
            {
                exact.Add(i, i.ToString(CultureInfo.InvariantCulture), VectorMath.Normalize(data[i]), Tags);
            }

            var exactBuild = clock.Elapsed.TotalSeconds;
            var exactBytes = (GC.GetTotalMemory(forceFullCollection: true) - managedBefore) / (double)size;
            var truth = normalizedQueries.Take(200).Select(q => exact.Search(q, K, null).Select(h => long.Parse(h.Id, CultureInfo.InvariantCulture)).ToHashSet()).ToArray();
            var exactTimes = Time(normalizedQueries, q => exact.Search(q, K, null));
            Row(report, size, "exact (.NET SIMD)", exactBuild, exactBytes, exactTimes, 1.0);

            var (flat, seqs) = RowMajor(data);
            data = null!;
            foreach (var spec in Specs(size))
            {
                var rssBefore = Rss();
                native.SetThreads(Environment.ProcessorCount);
                clock.Restart();
                using var shard = FaissVectorIndex.Build(native, spec, FeatureVersion.V4, flat, seqs);
                var build = clock.Elapsed.TotalSeconds;
                native.SetThreads(1);
                var bytes = (Rss() - rssBefore) / (double)size;
                var times = Time(normalizedQueries, q => shard.Search(q, K));
                var recall = Recall(shard, normalizedQueries, truth);
                Row(report, size, Label(spec), build, bytes, times, recall);
                if (spec.Kind == FaissKind.Ivf)
                {
                    foreach (var nprobe in new[] { 64, 256 })
                    {
                        shard.Index.SetNprobe(nprobe);
                        var t = Time(normalizedQueries, q => shard.Search(q, K));
                        Row(report, size, $"FAISS IVF nlist={spec.IvfNlist} nprobe={nprobe}", build, bytes, t, Recall(shard, normalizedQueries, truth));
                    }
                }

                if (spec.Kind == FaissKind.Hnsw)
                {
                    foreach (var ef in new[] { 16, 32, 48, 64, 128 })
                    {
                        shard.Index.SetEfSearch(ef);
                        var t = Time(normalizedQueries, q => shard.Search(q, K));
                        sweep.AppendLine(CultureInfo.InvariantCulture,
                            $"| {size:N0} | {ef} | {Percentile(t, 0.5):F1} | {Percentile(t, 0.95):F1} | {Recall(shard, normalizedQueries, truth):F3} |");
                    }
                }
            }

            exact.Dispose();
            Console.Error.WriteLine($"done {size}");
        }

        Console.WriteLine(report);
        Console.WriteLine($"HNSW efSearch sweep (M={VectorIndexOptions.DefaultHnswM}, efConstruction={VectorIndexOptions.DefaultHnswEfConstruction}):");
        Console.WriteLine();
        Console.WriteLine("| vectors | efSearch | p50 µs | p95 µs | recall@10 |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine(sweep);
    }

    private static readonly VectorTags Tags = new(null, null, null, null, null);

    private static IEnumerable<FaissIndexSpec> Specs(int size)
    {
        yield return new FaissIndexSpec(FaissKind.Flat);
        yield return new FaissIndexSpec(FaissKind.Hnsw); // the service's defaults
        // nlist ≈ 4·sqrt(n) (FAISS guidance), nprobe 16: the configured defaults are for ~100k.
        var nlist = (int)Math.Clamp(4 * Math.Sqrt(size), 64, 4096);
        yield return new FaissIndexSpec(FaissKind.Ivf, IvfNlist: nlist, IvfNprobe: 16);
    }

    private static string Label(FaissIndexSpec spec) => spec.Kind switch
    {
        FaissKind.Flat => "FAISS flat",
        FaissKind.Hnsw => $"FAISS HNSW M={spec.HnswM} ef={spec.HnswEfSearch}",
        _ => $"FAISS IVF nlist={spec.IvfNlist} nprobe={spec.IvfNprobe}",
    };

    private static double[] Time(float[][] queries, Action<float[]> search)
    {
        // At least a second of warm-up, not a fixed count: the JIT moves a method to its
        // optimised tier only after ~100 ms of calls, and 50 queries over 10k vectors take
        // less than that, which left the first rows timing unoptimised code.
        var warmup = Stopwatch.StartNew();
        for (var i = 0; i < 50 || warmup.Elapsed < TimeSpan.FromSeconds(1); i++)
        {
            search(queries[i % queries.Length]);
        }

        var times = new double[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            search(queries[i]);
            times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        return times;
    }

    private static double Recall(FaissShard shard, float[][] queries, HashSet<long>[] truth)
    {
        double found = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            found += shard.Search(queries[i], K).Count(h => truth[i].Contains(h.Seq));
        }

        return found / (truth.Length * K);
    }

    private static void Row(StringBuilder report, int size, string backend, double build, double bytes, double[] times, double recall)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {size:N0} | {backend} | {build:F2} | {bytes:F0} | {Percentile(times, 0.5):F1} | {Percentile(times, 0.95):F1} | {Percentile(times, 0.99):F1} | {recall:F3} |");
        report.AppendLine(line);
        Console.Error.WriteLine(line);
    }

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static long Rss()
    {
        GC.Collect();
        var pages = long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], CultureInfo.InvariantCulture);
        return pages * Environment.SystemPageSize;
    }

    /// <summary>
    /// A mixture of 2,000 tight Gaussian clusters with non-negative centres: closer to real
    /// feature vectors (parts come in families; slots are counts and ratios) than uniform noise.
    /// The centres come from a fixed seed, so base vectors and queries share them.
    /// </summary>
    private static double[][] Clustered(int count, int seed)
    {
        var centres = new Random(99);
        var centre = Enumerable.Range(0, 2_000).Select(_ => Enumerable.Range(0, Dimension).Select(_ => centres.NextDouble()).ToArray()).ToArray();
        var random = new Random(seed);
        var vectors = new double[count][];
        for (var i = 0; i < count; i++)
        {
            var c = centre[random.Next(centre.Length)];
            vectors[i] = new double[Dimension];
            for (var d = 0; d < Dimension; d++)
            {
                var u1 = 1.0 - random.NextDouble();
                var gaussian = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * random.NextDouble());
                vectors[i][d] = c[d] + (0.05 * gaussian);
            }
        }

        return vectors;
    }

    private static double[][] Random(int count, int seed)
    {
        var random = new Random(seed);
        var vectors = new double[count][];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = new double[Dimension];
            for (var d = 0; d < Dimension; d++)
            {
                vectors[i][d] = (random.NextDouble() * 2) - 1;
            }
        }

        return vectors;
    }

    private static (float[] Vectors, long[] Seqs) RowMajor(double[][] vectors)
    {
        var flat = new float[vectors.Length * Dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            VectorMath.Normalize(vectors[i], flat.AsSpan(i * Dimension, Dimension));
        }

        return (flat, [.. Enumerable.Range(0, vectors.Length).Select(i => (long)i)]);
    }
}
