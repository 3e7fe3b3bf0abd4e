using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Application.Vectors;

/// <summary>
/// The one write path for vectors: durable store first, then the index, in store order. The
/// store fixes a write's order when it is called and applies it to the index after its commit
/// in that order (two concurrent writes of the same id therefore reach the index in the order
/// the store applied them), so callers only hold the gate while they enqueue and share a group
/// commit instead of taking turns for an fsync each. Once the store has acknowledged, the index
/// update is not cancellable: a durable vector must never be missing from the index that serves
/// searches.
/// </summary>
internal sealed class VectorRegistry(IVectorStore store, IAnalysisStore analyses, IVectorIndex index, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<VectorWrite> RegisterAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        Task<VectorWrite> durable;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            durable = store.UpsertAsync(id, vector, meta, at, index.Apply, claim);
        }
        finally
        {
            _gate.Release();
        }

        return await durable;
    }

    /// <summary>The analysis record and its vector, one transaction; the vector id is the analysis id.</summary>
    public async Task<VectorWrite> RecordAnalysisAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> meta, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        Task<VectorWrite> durable;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            durable = analyses.SaveAsync(record, meta, index.Apply, claim);
        }
        finally
        {
            _gate.Release();
        }

        return await durable;
    }

    public async Task<VectorRemoval?> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        Task<VectorRemoval?> durable;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            durable = store.DeleteAsync(id, time.GetUtcNow(), index.Remove);
        }
        finally
        {
            _gate.Release();
        }

        return await durable;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with every other vector write held back, for work that writes
    /// the store and the index itself (a migration batch) and must not interleave with a register
    /// or delete of the same ids. Writes queued before it are drained first, so the work sees them
    /// in the store and in the index. Keep the work short: registrations wait for it.
    /// </summary>
    public async Task<T> HoldWritesAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await store.DrainAsync();
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
