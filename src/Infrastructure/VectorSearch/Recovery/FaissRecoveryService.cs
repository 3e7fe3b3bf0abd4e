using CadMl.Application.Common.Ports;
using CadMl.Application.Faiss;
using CadMl.Application.Faiss.AttemptDueRecovery;
using CadMl.Application.Faiss.ReportFaissFault;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// The recovery loop, a clock and a mailbox and nothing more: it reports the index's FAISS faults
/// and sends the "attempt if due" tick through the mediator, then sleeps for as long as the tick's
/// answer says (on the injected TimeProvider, so tests drive it with FakeTimeProvider), or until a
/// fault arrives or the degradation state changes. Every decision is the use cases'.
/// </summary>
internal sealed partial class FaissRecoveryService(
    IServiceScopeFactory scopes,
    IBackgroundTaskMetrics metrics,
    FaissFaultReports faults,
    RecoveryWakeup wakeup,
    IOptions<VectorIndexOptions> index,
    TimeProvider time,
    ILogger<FaissRecoveryService> logger) : BackgroundService
{
    /// <summary>The metric label of a failed tick (cadml_background_task_faults_total).</summary>
    private const string LoopName = "faiss_recovery_loop";

    /// <summary>How long the loop waits after a tick that failed, so a persistent fault cannot spin it.</summary>
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!index.Value.UsesFaiss)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = wakeup.Next;
            var sleepFor = AfterFailure;
            try
            {
                // The mediator is scoped: one scope per tick, like one per request.
                await using var scope = scopes.CreateAsyncScope();
                var sender = scope.ServiceProvider.GetRequiredService<ISender>();
                await ReportFaultsAsync(sender, stoppingToken);
                var tick = await sender.Send(new AttemptDueRecoveryCommand(), stoppingToken);
                if (tick.IsSuccess)
                {
                    sleepFor = tick.Value.SleepFor;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The loop must outlive any single failure; it sleeps and tries again.
                metrics.Faulted(LoopName);
                LogLoopFailed(exception);
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Quietly(Task.Delay(sleepFor, time, wake.Token));
            var fault = Quietly(faults.Reader.WaitToReadAsync(wake.Token).AsTask());
            await Task.WhenAny(delay, changed, fault);
            await wake.CancelAsync();
            await Task.WhenAll(delay, fault);
        }
    }

    private async Task ReportFaultsAsync(ISender sender, CancellationToken cancellationToken)
    {
        while (faults.Reader.TryRead(out var reason))
        {
            await sender.Send(new ReportFaissFaultCommand(reason), cancellationToken);
        }
    }

    /// <summary>A wait that lost the race (or the host stopping) cancels it; that is its expected end, not a fault.</summary>
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Cancelled because another wake came first.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS recovery loop tick failed")]
    private partial void LogLoopFailed(Exception exception);
}
