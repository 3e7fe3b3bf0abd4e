using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Application.Vectors;

/// <summary>
/// The one write path for vectors: durable store first, then the index, one write at a time.
/// Serialising here keeps the index applying writes in store order (two concurrent writes of
/// the same id could otherwise reach the index in the opposite order and leave a stale vector).
/// Once the store has acknowledged, the index update is not cancellable: a durable vector must
/// never be missing from the index that serves searches.
/// </summary>
internal sealed class VectorRegistry(IVectorStore store, IVectorIndex index) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<VectorWrite> RegisterAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var write = await store.UpsertAsync(id, vector, meta, at, CancellationToken.None);
            index.Apply(write);
            return write;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<VectorRemoval?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var removal = await store.DeleteAsync(id, CancellationToken.None);
            if (removal is not null)
            {
                index.Remove(removal);
            }

            return removal;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> with every other vector write held back, for work that writes
    /// the store and the index itself (a migration batch) and must not interleave with a register
    /// or delete of the same ids. Keep the work short: registrations wait for it.
    /// </summary>
    public async Task<T> HoldWritesAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
