using CadMl.Application.Common.Ports;
using Microsoft.Extensions.Logging;

namespace CadMl.Application.Common.Background;

/// <summary>
/// The one way to let a task run on without awaiting it: <see cref="Observe"/> logs its fault at
/// Error and counts it (<c>cadml_background_task_faults_total{task}</c>), so a background failure is
/// never lost. A bare <c>_ = SomethingAsync()</c> is refused by an architecture test.
/// </summary>
public sealed partial class BackgroundTasks(IBackgroundTaskMetrics metrics, ILogger<BackgroundTasks> logger)
{
    /// <summary>Watches <paramref name="task"/> to its end; <paramref name="name"/> is the metric label and the log's task name.</summary>
    public void Observe(Task task, string name)
    {
        ArgumentNullException.ThrowIfNull(task);
        // The only discard allowed: WatchAsync catches everything, so nothing it does can go unobserved.
        _ = WatchAsync(task, name);
    }

    private async Task WatchAsync(Task task, string name)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancellation is how background work is stopped, not a fault.
        }
        catch (Exception exception)
        {
            metrics.Faulted(name);
            LogFaulted(exception, name);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background task {Task} failed")]
    private partial void LogFaulted(Exception exception, string task);
}
