using System.Collections.Concurrent;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.VectorSearch.Exact;

/// <summary>
/// Brute-force cosine search over every vector, one shard per feature version. It is always
/// kept complete: it serves when the configuration says <c>exact</c>, when FAISS is degraded,
/// and for versions FAISS cannot serve yet (an IVF index before training); it is also the
/// source FAISS indexes are rebuilt from, and it maps FAISS labels back to ids and meta.
/// </summary>
internal sealed class ExactVectorIndex : IDisposable
{
    private readonly ConcurrentDictionary<FeatureVersion, ExactShard> _shards = new();

    public long Count => _shards.Values.Sum(s => (long)s.Count);

    public IEnumerable<(FeatureVersion Version, ExactShard Shard)> Shards =>
        _shards.OrderBy(p => p.Key).Select(p => (p.Key, p.Value));

    public ExactShard Shard(FeatureVersion version) => _shards.GetOrAdd(version, v => new ExactShard(v.Dimension()));

    public ExactShard? Find(FeatureVersion version) => _shards.GetValueOrDefault(version);

    /// <summary>
    /// Serves <paramref name="version"/> from <paramref name="shard"/> from now on, in one reference
    /// swap. The old shard is not disposed: a search may still be reading it, and it holds nothing
    /// the garbage collector cannot reclaim once that search ends.
    /// </summary>
    public void Replace(FeatureVersion version, ExactShard shard) => _shards[version] = shard;

    public void Add(IndexedVector vector, ReadOnlySpan<float> normalized) =>
        Shard(vector.Version).Add(vector.Seq, vector.Id, normalized, vector.Tags);

    public bool Remove(long seq, FeatureVersion version) => Find(version)?.Remove(seq) ?? false;

    public List<VectorHit> Search(VectorSearchRequest request, ReadOnlySpan<float> query)
    {
        var shard = Find(request.Version);
        return shard is null ? [] : shard.Search(query, request.K, Acceptor(request));
    }

    /// <summary>The row predicate of a request: its tag filters and the excluded id; null when nothing is filtered.</summary>
    public static Func<VectorTags, string, bool>? Acceptor(VectorSearchRequest request)
    {
        var filter = request.Filter is { HasTagFilters: true } f ? f : null;
        var exclude = request.ExcludeId;
        if (filter is null && exclude is null)
        {
            return null;
        }

        return (tags, id) => (filter is null || filter.Accepts(tags)) && !string.Equals(id, exclude, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var shard in _shards.Values)
        {
            shard.Dispose();
        }
    }
}
