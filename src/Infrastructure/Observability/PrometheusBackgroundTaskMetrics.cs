using CadMl.Application.Common.Ports;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal sealed class PrometheusBackgroundTaskMetrics(IMetricFactory metrics) : IBackgroundTaskMetrics
{
    private readonly Counter _faults = metrics.CreateCounter(
        "cadml_background_task_faults_total",
        "Background tasks that ended in a fault (each is also logged at Error), by task.",
        new CounterConfiguration { LabelNames = ["task"] });

    public void Faulted(string task) => _faults.WithLabels(task).Inc();
}
