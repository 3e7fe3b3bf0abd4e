using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Options;

namespace CadMl.Benchmarks;

/// <summary>
/// A batch of top-k queries against a 20k-row flat FAISS index (the load benchmark's size): one
/// native call for the batch (<c>cadml_faiss_search_flat_batch</c>) against one call per query
/// (<c>cadml_faiss_search</c>, the single-query scan). Each operation answers the whole batch,
/// so divide by <see cref="Queries"/> for the cost per query. k = 40 is what analyze fetches for
/// its 10 similar parts (k plus 3k over-fetch for the self-exclusion).
/// </summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MedianColumn]
[MemoryDiagnoser]
public class BatchedSearchBenchmarks
{
    private const int Rows = 20_000;
    private const int K = 40;
    private FaissShard _flat = null!;
    private float[] _queries = null!;
    private float[] _distances = null!;
    private long[] _labels = null!;

    [Params(FeatureVersion.V4, FeatureVersion.V5)]
    public FeatureVersion Version { get; set; }

    /// <summary>From 2 the lane kernel (inner product, AVX2/AVX-512); 32 is the batcher's largest batch.</summary>
    [Params(2, 4, 8, 32)]
    public int Queries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var native = new FaissLibrary(Options.Create(new VectorIndexOptions())).TryLoad(out var error) ?? throw new InvalidOperationException(error);
        var dimension = Version.Dimension();
        var random = new Random(3);
        double[] Uniform() => [.. Enumerable.Range(0, dimension).Select(_ => (random.NextDouble() * 2) - 1)];
        var rows = new float[Rows * dimension];
        for (var i = 0; i < Rows; i++)
        {
            VectorMath.Normalize(Uniform(), rows.AsSpan(i * dimension, dimension));
        }

        _flat = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Flat), Version, rows, [.. Enumerable.Range(0, Rows).Select(i => (long)i)]);
        _queries = new float[Queries * dimension];
        for (var q = 0; q < Queries; q++)
        {
            VectorMath.Normalize(Uniform(), _queries.AsSpan(q * dimension, dimension));
        }

        _distances = new float[Queries * K];
        _labels = new long[Queries * K];
    }

    [Benchmark(Baseline = true)]
    public long OneCallPerQuery()
    {
        var dimension = _flat.Index.Dimension;
        for (var q = 0; q < Queries; q++)
        {
            _flat.Index.Search(_queries.AsSpan(q * dimension, dimension), K, _distances.AsSpan(q * K, K), _labels.AsSpan(q * K, K));
        }

        return _labels[0];
    }

    [Benchmark]
    public long OneBatchedCall()
    {
        _flat.Index.SearchFlatBatch(_queries, Queries, K, _distances, _labels);
        return _labels[0];
    }

    [GlobalCleanup]
    public void Cleanup() => _flat.Dispose();
}
