namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// The similarity index: the swap point between FAISS (flat, HNSW, IVF) and exact search, chosen
/// by configuration. Cosine similarity: implementations L2-normalise vectors and rank by inner
/// product. Vectors of different feature versions live in separate indexes and never meet.
/// Implementations are safe for concurrent searches; writes are serialised by the caller
/// (<see cref="VectorRegistry"/>) in store order.
/// </summary>
public interface IVectorIndex
{
    /// <summary>Adds the written vector; when it replaced an older one, that one is removed first.</summary>
    void Apply(VectorWrite write);

    void Remove(VectorRemoval removal);

    VectorSearchOutcome Search(VectorSearchRequest request);

    /// <summary>
    /// The same answer as <see cref="Search"/>, for request paths: an implementation may answer
    /// concurrent searches together in one pass over the index, so the caller awaits instead of
    /// blocking. Cancelling drops a search that has not started.
    /// </summary>
    ValueTask<VectorSearchOutcome> SearchAsync(VectorSearchRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Search(request));

    VectorIndexFacts Facts();

    /// <summary>
    /// True once the index reflects store generation <paramref name="generation"/> (at once if it
    /// does already), false when <paramref name="bound"/> passed first. Awaits the index's own
    /// signal, so a waiting request holds no thread (read-your-writes across replicas).
    /// </summary>
    ValueTask<bool> WaitForGenerationAsync(long generation, TimeSpan bound, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Facts().Generation >= generation);
}
