using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Fills the indexes from the durable store before the server takes requests, and saves the
/// FAISS index at shutdown. A FAISS problem never stops the start: exact search serves and the
/// recovery coordinator records the degradation and schedules recovery. When the persisted
/// recovery state says degraded (a drill, a suppression), FAISS is left to the recovery loop,
/// so a restart neither forgets the degradation nor restores without an attempt on schedule.
/// </summary>
internal sealed partial class VectorIndexStartup(
    SqliteDatabase database,
    IVectorStore store,
    SimilarityIndex index,
    FaissActivator activator,
    FaissRecoveryCoordinator recovery,
    ILogger<VectorIndexStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!database.IsReady)
        {
            LogNoStore();
            return;
        }

        var generation = await store.GenerationAsync(cancellationToken);
        await foreach (var stored in store.ReadAllAsync(cancellationToken))
        {
            index.Load(stored);
        }

        index.SetGeneration(generation);
        LogLoaded(index.Exact.Count, generation);
        if (!index.UsesFaiss)
        {
            return;
        }

        await recovery.InitializeAsync(cancellationToken);
        if (recovery.IsDegraded)
        {
            LogStartingDegraded();
            return;
        }

        var failure = await activator.ActivateAsync(trySaved: true, cancellationToken);
        if (failure is not null)
        {
            await recovery.DegradeAsync(failure, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (index.Dirty)
        {
            activator.TrySave();
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector index holds {Count} stored vectors at store generation {Generation}")]
    private partial void LogLoaded(long count, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery state is degraded; FAISS comes back through the recovery loop, exact search serves until then")]
    private partial void LogStartingDegraded();

    [LoggerMessage(Level = LogLevel.Error, Message = "The durable store is not open; the vector index starts empty")]
    private partial void LogNoStore();
}
