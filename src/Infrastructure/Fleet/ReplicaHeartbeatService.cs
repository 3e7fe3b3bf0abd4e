using System.Globalization;
using CadMl.Application.FeatureCache;
using CadMl.Application.Fleet;
using CadMl.Application.Fleet.Ports;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// Writes this replica's heartbeat row every <see cref="ReplicaLiveness.HeartbeatInterval"/> while
/// the store is open: identity, serving model, the generation its index has applied (the store
/// computes the lag). A failed beat is logged and the next tick retries; the fleet view shows the
/// gap as a growing heartbeat age, then as stale.
/// </summary>
internal sealed partial class ReplicaHeartbeatService(
    StoreStatus store,
    IReplicaHeartbeats heartbeats,
    IVectorIndex index,
    ModelRegistry models,
    ReplicaIdentity identity,
    CacheSettingsState cacheSettings,
    TimeProvider time,
    ILogger<ReplicaHeartbeatService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ReplicaLiveness.HeartbeatInterval, time);
        var failing = false;
        try
        {
            do
            {
                if (!store.IsReady)
                {
                    continue;
                }

                try
                {
                    await BeatAsync(stoppingToken);
                    failing = false;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // One line per outage, not one per tick.
                    if (!failing)
                    {
                        LogBeatFailed(exception, identity.Id);
                    }

                    failing = true;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the row ages into stale, which is what a stopped replica is.
        }
    }

    /// <summary>One beat. Internal for tests that drive it with a fake clock.</summary>
    internal Task BeatAsync(CancellationToken cancellationToken) =>
        heartbeats.BeatAsync(
            new ReplicaHeartbeat(identity.Id, identity.Version, identity.Track, models.Current?.Sha256, index.Facts().Generation, CacheSettingsVersion(), time.GetUtcNow(), identity.Url),
            cancellationToken);

    /// <summary>The version of the fleet's cache settings record this replica runs (0 before it read one).</summary>
    private string CacheSettingsVersion() => cacheSettings.Applied.Version.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {ReplicaId} could not write its heartbeat; retrying every tick")]
    private partial void LogBeatFailed(Exception exception, string replicaId);
}
