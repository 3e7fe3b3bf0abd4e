using CadMl.Domain.Features;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// The durable vector store, source of truth for every index. Each write returns only once it is
/// on disk and bumps the store generation in the same transaction, so an index that records the
/// generation it reflects can tell whether it is current.
/// </summary>
public interface IVectorStore
{
    /// <summary>Inserts or replaces the vector with this id (a replacement gets a new <see cref="StoredVector.Seq"/>).</summary>
    Task<VectorWrite> UpsertAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, CancellationToken cancellationToken);

    Task<VectorRemoval?> DeleteAsync(string id, CancellationToken cancellationToken);

    Task<StoredVector?> FindAsync(string id, CancellationToken cancellationToken);

    Task<VectorPage> ListAsync(VectorFilter filter, int offset, int limit, CancellationToken cancellationToken);

    Task<long> GenerationAsync(CancellationToken cancellationToken);

    /// <summary>Every vector in <see cref="StoredVector.Seq"/> order, streamed (the store may hold millions).</summary>
    IAsyncEnumerable<StoredVector> ReadAllAsync(CancellationToken cancellationToken);

    Task<VectorStoreStats> StatsAsync(CancellationToken cancellationToken);
}
