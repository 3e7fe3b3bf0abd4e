using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// The recovery loop. It sleeps until the tracker's next attempt time (or until the state
/// changes, or one interval when healthy) using the injected TimeProvider, so tests drive it
/// with FakeTimeProvider, then lets the coordinator decide and attempt.
/// </summary>
internal sealed partial class FaissRecoveryService(
    FaissRecoveryCoordinator coordinator,
    IOptions<FaissRecoveryOptions> options,
    IOptions<VectorIndexOptions> index,
    TimeProvider time,
    ILogger<FaissRecoveryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!index.Value.UsesFaiss)
        {
            return;
        }

        await coordinator.InitializeAsync(stoppingToken);
        var idle = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changed = coordinator.Changed;
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(coordinator.NextWake() ?? idle, time, wake.Token);
                await Task.WhenAny(delay, changed);
                await wake.CancelAsync();
                stoppingToken.ThrowIfCancellationRequested();
                await coordinator.RunDueAttemptAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The loop must outlive any single failure; the next tick tries again.
                LogLoopFailed(exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS recovery loop tick failed")]
    private partial void LogLoopFailed(Exception exception);
}
