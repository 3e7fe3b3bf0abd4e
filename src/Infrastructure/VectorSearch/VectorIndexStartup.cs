using CadMl.Application.Common.Background;
using CadMl.Application.Common.Ports;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.ReportFaissFault;
using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Fills the indexes from the durable store before the server takes requests, and saves the
/// FAISS index at shutdown. A FAISS problem never stops the start: exact search serves and the
/// fault is reported to the recovery use cases, which record it and schedule recovery. When the persisted
/// recovery state says degraded (a drill, a suppression), FAISS is left to the recovery loop,
/// so a restart neither forgets the degradation nor restores without an attempt on schedule.
/// </summary>
internal sealed partial class VectorIndexStartup(
    SqliteDatabase database,
    IVectorStore store,
    SimilarityIndex index,
    FaissActivator activator,
    IServiceScopeFactory scopes,
    BackgroundTasks background,
    IStoreFaults storeFaults,
    VectorIndexMetrics metrics,
    IOptions<VectorIndexOptions> options,
    ILogger<VectorIndexStartup> logger) : IHostedService, IDisposable
{
    // Stop and Dispose may come in either order (WebApplicationFactory can dispose the container
    // before it stops the host), so whichever comes first cancels and releases it, once.
    private CancellationTokenSource? _stopping = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!database.IsReady)
        {
            LogNoStore();
            return;
        }

        long generation;
        try
        {
            generation = await store.GenerationAsync(cancellationToken);
            await foreach (var stored in store.ReadAllAsync(cancellationToken))
            {
                index.Load(stored);
            }
        }
        catch (Exception exception) when (storeFaults.Classify(exception) is { } problem)
        {
            // A page quick_check could not see (it skips index/table cross-checks): the store is
            // now marked damaged and unready; the process stays up to say so instead of crash-looping.
            LogStoreDamaged(problem.Message);
            return;
        }

        index.SetGeneration(generation);
        LogLoaded(index.Exact.Count, generation);
        metrics.ObserveGenerations(() => index.Generation, StoreGenerationAsync);
        if (!index.UsesFaiss)
        {
            return;
        }

        // Read before the health query: a degradation recorded from here on starts a later epoch,
        // and a warm-up build started under this one then does not attach.
        var epoch = index.Epoch;
        bool degraded;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var health = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetFaissHealthQuery(), cancellationToken);
            degraded = health.IsSuccess && health.Value.Degraded;
        }

        if (degraded)
        {
            LogStartingDegraded();
            return;
        }

        if (index.Spec.Kind != FaissKind.Flat && index.Exact.Count >= options.Value.BackgroundBuildThreshold)
        {
            LogBackground(index.Exact.Count, index.Spec.Name);
            var stopping = _stopping?.Token ?? new CancellationToken(canceled: true);
            background.Observe(Task.Run(() => ActivateAsync(epoch, stopping), CancellationToken.None), "faiss_background_build");
            return;
        }

        await ActivateAsync(null, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // A background build is not awaited: it may take minutes and its result is not needed.
        Stop();
        if (index.Dirty)
        {
            activator.TrySave();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => Stop();

    /// <summary>The store's generation for the lag gauge; null when the store cannot say (its own health reports why).</summary>
    private async Task<long?> StoreGenerationAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await store.GenerationAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is StoreUnavailableException || storeFaults.Classify(exception) is not null)
        {
            return null;
        }
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopping, null) is { } stopping)
        {
            stopping.Cancel();
            stopping.Dispose();
        }
    }

    /// <summary>Loads or builds FAISS; a failure degrades (exact keeps serving) and recovery takes over.</summary>
    /// <param name="yieldTo">For a warm-up in the background: the epoch it started under; it does not attach after a degradation.</param>
    private async Task ActivateAsync(long? yieldTo, CancellationToken cancellationToken)
    {
        try
        {
            var failure = await activator.ActivateAsync(trySaved: true, cancellationToken, yieldTo);
            if (failure is not null)
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ISender>().Send(new ReportFaissFaultCommand(failure), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down before the background build finished; the next start builds again.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Building the FAISS {Kind} index for {Count} vectors in the background; exact search serves meanwhile")]
    private partial void LogBackground(long count, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector index holds {Count} stored vectors at store generation {Generation}")]
    private partial void LogLoaded(long count, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery state is degraded; FAISS comes back through the recovery loop, exact search serves until then")]
    private partial void LogStartingDegraded();

    [LoggerMessage(Level = LogLevel.Critical, Message = "Reading the stored vectors failed: {Detail}; the vector index stays empty and the instance unready")]
    private partial void LogStoreDamaged(string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "The durable store is not open; the vector index starts empty")]
    private partial void LogNoStore();
}
