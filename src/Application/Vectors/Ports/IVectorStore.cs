using CadMl.Application.Common.Idempotency;
using CadMl.Domain.Features;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// The durable vector store, source of truth for every index. Each write returns only once it is
/// on disk and bumps the store generation in the same transaction, so an index that records the
/// generation it reflects can tell whether it is current.
/// Writes are ordered when they are called (not when they are awaited): concurrent writes may
/// share one commit, and each one's <c>applied</c> step runs after that commit, in call order,
/// before its task completes. Once called, a write is not cancellable.
/// </summary>
public interface IVectorStore
{
    /// <summary>
    /// Inserts or replaces the vector with this id (a replacement gets a new <see cref="StoredVector.Seq"/>).
    /// A <paramref name="claim"/> is inserted in the same transaction (resource = the vector id); when an
    /// unexpired row holds its key the write fails with <see cref="Common.Idempotency.IdempotencyKeyTakenException"/>.
    /// </summary>
    Task<VectorWrite> UpsertAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, Action<VectorWrite> applied, IdempotencyClaim? claim = null);

    /// <summary>Deletes the vector and remembers the deletion (so no repair brings it back); null when there was none.</summary>
    Task<VectorRemoval?> DeleteAsync(string id, DateTimeOffset at, Action<VectorRemoval> applied);

    /// <summary>Completes once every write called before it is durable and applied.</summary>
    Task DrainAsync();

    Task<StoredVector?> FindAsync(string id, CancellationToken cancellationToken);

    Task<VectorPage> ListAsync(VectorFilter filter, int offset, int limit, CancellationToken cancellationToken);

    Task<long> GenerationAsync(CancellationToken cancellationToken);

    /// <summary>Every vector in <see cref="StoredVector.Seq"/> order, streamed (the store may hold millions).</summary>
    IAsyncEnumerable<StoredVector> ReadAllAsync(CancellationToken cancellationToken);

    Task<VectorStoreStats> StatsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Throws <see cref="Common.Ports.StoreUnavailableException"/> (503 with the store's reason)
    /// unless the store serves. A search by vector reads only the index, which is derived from the
    /// store: on a refused or damaged store its empty answer would look like an empty library.
    /// </summary>
    void EnsureServing();
}
