using System.Buffers;
using System.Collections.Concurrent;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>
/// The FAISS index of one feature version. HNSW cannot delete, so its removals become
/// tombstones: filtered out of results, and counted so the maintenance service rebuilds the
/// shard once they exceed the configured ratio. Seqs are never reused, so a tombstone never
/// hides a later vector.
/// </summary>
internal sealed class FaissShard : IDisposable
{
    private readonly ConcurrentDictionary<long, byte> _tombstones;

    public FaissShard(FaissIndex index, FeatureVersion version, long trainedOn, IEnumerable<long>? tombstones = null)
    {
        Index = index;
        Version = version;
        TrainedOn = trainedOn;
        Ready = index.IsTrained;
        _tombstones = new ConcurrentDictionary<long, byte>((tombstones ?? []).Select(t => KeyValuePair.Create(t, (byte)0)));
    }

    public FaissIndex Index { get; }

    public FeatureVersion Version { get; }

    /// <summary>False for an IVF index that has not been trained yet: it cannot hold vectors, exact serves its version.</summary>
    public bool Ready { get; }

    /// <summary>How many vectors IVF was trained on (0 for FLAT/HNSW).</summary>
    public long TrainedOn { get; }

    public long Tombstones => _tombstones.Count;

    public IReadOnlyCollection<long> TombstoneSeqs => [.. _tombstones.Keys];

    public long Stored => Index.Count;

    public long Live => Stored - Tombstones;

    public void Add(long seq, ReadOnlySpan<float> normalized) => Add([seq], normalized);

    /// <summary>
    /// Adds the vectors in one native call: FAISS HNSW links a batch's vectors in parallel, while
    /// one-vector calls run one after another.
    /// </summary>
    public void Add(ReadOnlySpan<long> seqs, ReadOnlySpan<float> normalized)
    {
        if (Ready)
        {
            Index.Add(normalized, seqs);
        }
    }

    public void Remove(long seq) => Remove([seq]);

    /// <summary>Removes the seqs in one native call: FLAT's remove scans the whole index once per call.</summary>
    public void Remove(ReadOnlySpan<long> seqs)
    {
        if (!Ready || seqs.IsEmpty)
        {
            return;
        }

        if (Index.SupportsRemove)
        {
            Index.Remove(seqs);
            return;
        }

        foreach (var seq in seqs)
        {
            _tombstones.TryAdd(seq, 0);
        }
    }

    /// <summary>Up to <paramref name="fetch"/> nearest labels, best first, tombstones and empty slots dropped.</summary>
    public List<(float Score, long Seq)> Search(ReadOnlySpan<float> query, int fetch)
    {
        var distances = ArrayPool<float>.Shared.Rent(fetch);
        var labels = ArrayPool<long>.Shared.Rent(fetch);
        try
        {
            Index.Search(query, fetch, distances, labels);
            var found = new List<(float, long)>(fetch);
            for (var i = 0; i < fetch; i++)
            {
                if (labels[i] >= 0 && !_tombstones.ContainsKey(labels[i]))
                {
                    found.Add((distances[i], labels[i]));
                }
            }

            return found;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<long>.Shared.Return(labels);
        }
    }

    public void Dispose() => Index.Dispose();
}
