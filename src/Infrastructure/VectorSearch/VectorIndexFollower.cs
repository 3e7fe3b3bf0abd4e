using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Ports;
using CadMl.Application.Fleet.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Keeps the index on the store's change log: after every doorbell ring (PostgreSQL NOTIFY) and at
/// least every FLEET_POLL_MILLISECONDS it applies the changes after the applied generation
/// (<see cref="SimilarityIndex.CatchUp"/>), so a write through any replica is searchable here
/// within one ring (typically milliseconds) or one poll interval. On SQLite this process writes
/// alone and the poll finds nothing, but it is the same code path. The first catch-up runs before
/// the host serves; readiness waits until the index reached the store generation seen then.
/// Every heartbeat interval it also declares each live replica's applied generation (from the
/// heartbeat rows) as a holder of the change log (<see cref="VectorChangeRetention"/>), so no
/// replica trims log entries another one has not applied yet.
/// </summary>
internal sealed partial class VectorIndexFollower(
    SimilarityIndex index,
    IVectorStore store,
    StoreStatus status,
    IVectorChangeDoorbell doorbell,
    IReplicaHeartbeats heartbeats,
    VectorChangeRetention retention,
    IOptions<FleetControlOptions> options,
    TimeProvider time,
    ILogger<VectorIndexFollower> logger) : BackgroundService
{
    private const string ReplicaHolder = "replica:";

    private long _holdersReadAt;

    /// <summary>The store generation seen when following began; null until the store could say.</summary>
    public long? StartGeneration { get; private set; }

    public bool CaughtUp => StartGeneration is not { } start || index.Generation >= start;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryCatchUpAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await doorbell.DisposeAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await doorbell.WaitAsync(options.Value.PollInterval, stoppingToken);
                await TryCatchUpAsync(stoppingToken);
                if (time.GetElapsedTime(_holdersReadAt) >= ReplicaLiveness.HeartbeatInterval)
                {
                    _holdersReadAt = time.GetTimestamp();
                    await HoldForReplicasAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the next start loads the store and follows from there.
        }
    }

    private async Task TryCatchUpAsync(CancellationToken cancellationToken)
    {
        if (!status.IsReady)
        {
            return;
        }

        try
        {
            StartGeneration ??= await store.GenerationAsync(cancellationToken);
            // The log is read synchronously (the same reader the write path uses): off the caller's thread.
            await Task.Run(() => index.CatchUp(), cancellationToken);
            // Another replica's migration ended: switch its staged rows in, then apply what followed.
            while (index.SwitchDue)
            {
                await index.SwitchDueAsync();
                await Task.Run(() => index.CatchUp(), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCatchUpFailed(exception.Message);
        }
    }

    /// <summary>
    /// A replica's heartbeat row is at most one interval old, so the generation it names is one the
    /// replica has certainly applied: trimming through the smallest of the live ones is safe. A stale
    /// row (the replica stopped) holds nothing: a restarted replica loads from the store, not the log.
    /// </summary>
    private async Task HoldForReplicasAsync(CancellationToken cancellationToken)
    {
        if (!status.IsReady)
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            foreach (var row in await heartbeats.ListAsync(cancellationToken))
            {
                if (ReplicaLiveness.IsStale(row.Beat.At, now))
                {
                    retention.Release(ReplicaHolder + row.Beat.ReplicaId);
                }
                else
                {
                    retention.Hold(ReplicaHolder + row.Beat.ReplicaId, row.Beat.AppliedGeneration);
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCatchUpFailed(exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the vector change log failed ({Reason}); the next ring or poll retries")]
    private partial void LogCatchUpFailed(string reason);
}

/// <summary>Ready only once the index has caught up with the store generation it saw at start.</summary>
internal sealed class VectorIndexFollowerProbe(VectorIndexFollower follower, SimilarityIndex index) : IHealthProbe
{
    public string Name => "vector_index";

    public bool GatesReadiness => true;

    public ProbeReport Probe()
    {
        var facts = new Dictionary<string, object?> { ["applied_generation"] = index.Generation, ["start_generation"] = follower.StartGeneration };
        if (index.FollowProblem is { } problem)
        {
            return ProbeReport.Failing(problem, facts);
        }

        return follower.CaughtUp
            ? ProbeReport.Ok("following the change log", facts)
            : ProbeReport.Failing($"catching up: applied {index.Generation} of {follower.StartGeneration}", facts);
    }
}
