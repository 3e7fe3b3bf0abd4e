using CadMl.Application.Common.Ports;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal sealed class PrometheusUseCaseMetrics(IMetricFactory metrics) : IUseCaseMetrics
{
    private readonly Histogram _duration = metrics.CreateHistogram(
        "cadml_use_case_duration_seconds",
        "Time spent in each use case, by outcome (ok, invalid, not_found, conflict, ...).",
        new HistogramConfiguration
        {
            LabelNames = ["use_case", "outcome"],
            Buckets = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
        });

    public void Record(string useCase, string outcome, TimeSpan elapsed) =>
        _duration.WithLabels(useCase, outcome).Observe(elapsed.TotalSeconds);
}
