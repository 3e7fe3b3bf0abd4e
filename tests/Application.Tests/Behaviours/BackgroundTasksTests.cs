using CadMl.Application.Common.Background;
using CadMl.Application.Common.Ports;
using Microsoft.Extensions.Logging.Abstractions;

namespace CadMl.Application.Tests.Behaviours;

public sealed class BackgroundTasksTests
{
    private sealed class CountingMetrics : IBackgroundTaskMetrics
    {
        public List<string> Faults { get; } = [];

        public void Faulted(string task) => Faults.Add(task);
    }

    [Fact]
    public void A_faulted_background_task_is_counted_under_its_name()
    {
        var metrics = new CountingMetrics();
        var tasks = new BackgroundTasks(metrics, NullLogger<BackgroundTasks>.Instance);

        // Already faulted: the watcher runs to its end inside Observe, so no waiting is needed.
        tasks.Observe(Task.FromException(new InvalidOperationException("lost")), "sample_loop");

        metrics.Faults.Should().Equal("sample_loop");
    }

    [Fact]
    public void Cancelled_and_successful_tasks_are_not_faults()
    {
        var metrics = new CountingMetrics();
        var tasks = new BackgroundTasks(metrics, NullLogger<BackgroundTasks>.Instance);

        tasks.Observe(Task.FromCanceled(new CancellationToken(canceled: true)), "stopped");
        tasks.Observe(Task.CompletedTask, "done");

        metrics.Faults.Should().BeEmpty();
    }
}
