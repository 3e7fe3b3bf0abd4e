using System.Buffers;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;

namespace CadMl.Infrastructure.VectorSearch;

// Batched search (SearchBatcher's back end), kept in its own file so the index's single-query
// path above stays as it is: a batch only replaces the native scan, and every request it cannot
// answer completely goes through Search, which keeps the over-fetch, exact fallback and fault
// handling in one place.
internal sealed partial class SimilarityIndex
{
    /// <summary>
    /// Answers searches of one feature version together: with a FLAT FAISS shard serving the
    /// version, one native call scans the stored rows once for all of them; each answer is the
    /// one <see cref="Search"/> would give (same hits, same backend). A request whose over-fetch
    /// did not yield its k hits, or any request when FAISS cannot take the batch, is answered by
    /// <see cref="Search"/>; a failing batch faults FAISS exactly as a failing single search does.
    /// </summary>
    public IReadOnlyList<VectorSearchOutcome> SearchBatch(IReadOnlyList<VectorSearchRequest> requests)
    {
        _metrics.Batched(requests.Count);
        if (requests.Count == 1)
        {
            return [Search(requests[0])];
        }

        var version = requests[0].Version;
        if (requests.Any(r => r.Version != version))
        {
            throw new ArgumentException("A batch holds searches of one feature version.", nameof(requests));
        }

        var started = _time.GetTimestamp();
        var faiss = Current.Faiss;
        var shard = faiss?.Find(version);
        var exactShard = Exact.Find(version);
        // Tombstones only exist for HNSW, which has no batched scan; the check keeps the over-fetch
        // below equal to the single path's.
        if (shard is not { Ready: true, Tombstones: 0 } || shard.Index.Kind != FaissKind.Flat || exactShard is null)
        {
            return [.. requests.Select(Search)];
        }

        var dimension = version.Dimension();
        var count = requests.Count;
        var stored = shard.Stored;
        var accepts = new Func<VectorTags, string, bool>?[count];
        var fetches = new int[count];
        var queries = new float[count * dimension];
        for (var i = 0; i < count; i++)
        {
            var request = requests[i];
            accepts[i] = ExactVectorIndex.Acceptor(request);
            fetches[i] = (int)Math.Min(stored, request.K + (accepts[i] is null ? 0 : request.K * 3));
            VectorMath.Normalize(request.Query, queries.AsSpan(i * dimension, dimension));
        }

        var k = Math.Max(1, fetches.Max());
        var distances = ArrayPool<float>.Shared.Rent(count * k);
        var labels = ArrayPool<long>.Shared.Rent(count * k);
        try
        {
            try
            {
                shard.Index.SearchFlatBatch(queries, count, k, distances.AsSpan(0, count * k), labels.AsSpan(0, count * k));
            }
            catch (FaissException exception)
            {
                Fault(faiss!, "search", exception);
                return [.. requests.Select(Search)];
            }
            catch (ObjectDisposedException)
            {
                // A rebuild or degradation swapped the index out mid-search; the single path answers.
                return [.. requests.Select(Search)];
            }

            var elapsed = _time.GetElapsedTime(started);
            var outcomes = new VectorSearchOutcome[count];
            for (var i = 0; i < count; i++)
            {
                var hits = Collect(requests[i], accepts[i], exactShard, distances.AsSpan(i * k, fetches[i]), labels.AsSpan(i * k, fetches[i]));
                if (hits.Count == requests[i].K || fetches[i] >= stored)
                {
                    _metrics.Queried(FaissBackend, elapsed);
                    outcomes[i] = new VectorSearchOutcome(FaissBackend, hits);
                }
                else
                {
                    outcomes[i] = Search(requests[i]);
                }
            }

            return outcomes;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(distances);
            ArrayPool<long>.Shared.Return(labels);
        }
    }

    private static List<VectorHit> Collect(
        VectorSearchRequest request,
        Func<VectorTags, string, bool>? accept,
        ExactShard exactShard,
        ReadOnlySpan<float> scores,
        ReadOnlySpan<long> seqs)
    {
        var hits = new List<VectorHit>(request.K);
        for (var j = 0; j < seqs.Length && hits.Count < request.K; j++)
        {
            if (seqs[j] >= 0 && exactShard.TryDescribe(seqs[j], out var id, out var tags) && (accept is null || accept(tags, id)))
            {
                hits.Add(new VectorHit(id, scores[j], tags));
            }
        }

        return hits;
    }
}
