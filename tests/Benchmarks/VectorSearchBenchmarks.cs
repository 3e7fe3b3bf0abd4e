using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Options;

namespace CadMl.Benchmarks;

/// <summary>
/// One top-10 query against each backend (BenchmarkDotNet's view: median of batched
/// iterations). The per-query tail (p95) and recall come from <see cref="VectorSearchReport"/>.
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MedianColumn]
[MemoryDiagnoser]
public class VectorSearchBenchmarks
{
    private const int Dimension = 24;
    private ExactShard _exact = null!;
    private FaissShard _flat = null!;
    private FaissShard _hnsw = null!;
    private FaissShard _ivf = null!;
    private float[][] _queries = null!;
    private int _next;

    [Params(10_000, 100_000)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var native = new FaissLibrary(Options.Create(new VectorIndexOptions())).TryLoad(out var error) ?? throw new InvalidOperationException(error);
        var random = new Random(1);
        var flat = new float[Size * Dimension];
        _exact = new ExactShard(Dimension);
        var tags = new VectorTags(null, null, null, null, null);
        for (var i = 0; i < Size; i++)
        {
            var v = VectorMath.Normalize(Enumerable.Range(0, Dimension).Select(_ => (random.NextDouble() * 2) - 1).ToArray());
            v.CopyTo(flat, i * Dimension);
            _exact.Add(i, i.ToString(System.Globalization.CultureInfo.InvariantCulture), v, tags);
        }

        var seqs = Enumerable.Range(0, Size).Select(i => (long)i).ToArray();
        native.SetThreads(Environment.ProcessorCount);
        _flat = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Flat), FeatureVersion.V4, flat, seqs);
        _hnsw = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Hnsw), FeatureVersion.V4, flat, seqs);
        _ivf = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Ivf, IvfNlist: (int)(4 * Math.Sqrt(Size))), FeatureVersion.V4, flat, seqs);
        native.SetThreads(1);
        _queries = [.. Enumerable.Range(0, 256).Select(_ => VectorMath.Normalize(Enumerable.Range(0, Dimension).Select(_ => (random.NextDouble() * 2) - 1).ToArray()))];
    }

    [Benchmark(Baseline = true)]
    public int Exact() => _exact.Search(Next(), 10, null).Count;

    [Benchmark]
    public int FaissFlat() => _flat.Search(Next(), 10).Count;

    [Benchmark]
    public int FaissHnsw() => _hnsw.Search(Next(), 10).Count;

    [Benchmark]
    public int FaissIvf() => _ivf.Search(Next(), 10).Count;

    [GlobalCleanup]
    public void Cleanup()
    {
        _exact.Dispose();
        _flat.Dispose();
        _hnsw.Dispose();
        _ivf.Dispose();
    }

    private float[] Next() => _queries[_next++ & 255];
}
