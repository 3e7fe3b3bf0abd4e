using System.Collections.Concurrent;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>The FAISS side of the similarity index: one <see cref="FaissShard"/> per feature version, all of one kind.</summary>
internal sealed class FaissVectorIndex(FaissNative native, FaissIndexSpec spec, long builtAtTimestamp) : IDisposable
{
    private const int AddBatch = 65_536;

    private readonly ConcurrentDictionary<FeatureVersion, FaissShard> _shards = new();

    public FaissNative Native { get; } = native;

    public FaissIndexSpec Spec { get; } = spec;

    /// <summary>Monotonic timestamp (TimeProvider) of the last full build or load.</summary>
    public long BuiltAtTimestamp { get; set; } = builtAtTimestamp;

    public IEnumerable<FaissShard> Shards => _shards.Values.OrderBy(s => s.Version);

    public long Size => _shards.Values.Sum(s => s.Live);

    public FaissShard? Find(FeatureVersion version) => _shards.GetValueOrDefault(version);

    /// <summary>The shard for a version that has none yet (its first vector): empty, and for IVF untrained.</summary>
    public FaissShard GetOrCreate(FeatureVersion version) =>
        _shards.GetOrAdd(version, v => new FaissShard(FaissIndex.Create(Native, v.Dimension(), Spec), v, 0));

    public void Replace(FaissShard shard)
    {
        FaissShard? old = null;
        _shards.AddOrUpdate(shard.Version, shard, (_, previous) =>
        {
            old = previous;
            return shard;
        });
        if (!ReferenceEquals(old, shard))
        {
            old?.Dispose();
        }
    }

    /// <summary>Hands every shard over to the caller (to be replaced into a serving index); this index is empty afterwards.</summary>
    public List<FaissShard> Release()
    {
        var shards = _shards.Values.ToList();
        _shards.Clear();
        return shards;
    }

    /// <summary>
    /// A new shard holding <paramref name="seqs"/> (row-major <paramref name="vectors"/>). IVF is
    /// trained on them first when there are at least nlist vectors (FAISS needs one per centroid;
    /// its k-means subsamples large inputs itself); with fewer it stays untrained and exact search
    /// serves the version until the maintenance service sees enough vectors.
    /// </summary>
    public static FaissShard Build(FaissNative native, FaissIndexSpec spec, FeatureVersion version, float[] vectors, long[] seqs)
    {
        var dimension = version.Dimension();
        var index = FaissIndex.Create(native, dimension, spec);
        try
        {
            long trainedOn = 0;
            if (spec.Kind == FaissKind.Ivf)
            {
                if (seqs.Length < spec.IvfNlist)
                {
                    return new FaissShard(index, version, 0);
                }

                index.Train(vectors);
                trainedOn = seqs.Length;
            }

            for (var start = 0; start < seqs.Length; start += AddBatch)
            {
                var count = Math.Min(AddBatch, seqs.Length - start);
                index.Add(vectors.AsSpan(start * dimension, count * dimension), seqs.AsSpan(start, count));
            }

            return new FaissShard(index, version, trainedOn);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var shard in _shards.Values)
        {
            shard.Dispose();
        }

        _shards.Clear();
    }
}
