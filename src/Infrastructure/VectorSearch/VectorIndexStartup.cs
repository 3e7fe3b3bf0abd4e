using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Fills the indexes from the durable store before the server takes requests, and saves the
/// FAISS index at shutdown. A FAISS problem never stops the start: exact search serves and the
/// reason goes to <see cref="SimilarityIndex.ReportUnavailable"/>.
/// </summary>
internal sealed partial class VectorIndexStartup(
    SqliteDatabase database,
    IVectorStore store,
    SimilarityIndex index,
    FaissActivator activator,
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

        var failure = await activator.ActivateAsync(trySaved: true, cancellationToken);
        if (failure is not null)
        {
            index.ReportUnavailable(failure);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "The durable store is not open; the vector index starts empty")]
    private partial void LogNoStore();
}
