using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Ports;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// The one poll loop of the fleet followers (cache settings record, the track's desired model):
/// every FLEET_POLL_MILLISECONDS, while the store is open, it runs the follower's step, which reads
/// the state afresh and converges to it. A failed step is logged and counted
/// (<c>cadml_background_task_faults_total{task}</c>) and what was in force stays; the next tick
/// reads again, so nothing a failure skipped is lost.
/// </summary>
internal sealed partial class FleetStatePoller(
    StoreStatus store,
    IOptions<FleetControlOptions> options,
    IBackgroundTaskMetrics metrics,
    TimeProvider time,
    ILogger<FleetStatePoller> logger)
{
    /// <summary>Runs <paramref name="follow"/> every interval until <paramref name="stoppingToken"/> fires.</summary>
    /// <param name="name">The follower's name in the fault metric and the log.</param>
    public async Task RunAsync(string name, Func<CancellationToken, Task> follow, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryOnceAsync(name, follow, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the state stays in the store for the next start.
        }
    }

    /// <summary>One step if the store is open; a failure is logged and counted, never thrown.</summary>
    public async Task TryOnceAsync(string name, Func<CancellationToken, Task> follow, CancellationToken cancellationToken)
    {
        if (!store.IsReady)
        {
            return;
        }

        try
        {
            await follow(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            metrics.Faulted(name);
            LogFollowFailed(exception, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Follower {Follower} could not read or apply the fleet's state; what is in force stays and the next tick reads again")]
    private partial void LogFollowFailed(Exception exception, string follower);
}
