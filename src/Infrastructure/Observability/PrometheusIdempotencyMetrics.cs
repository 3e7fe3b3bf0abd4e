using CadMl.Application.Common.Idempotency;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal sealed class PrometheusIdempotencyMetrics(IMetricFactory metrics) : IIdempotencyMetrics
{
    private readonly Counter _requests = Outcomes(metrics.CreateCounter(
        "idempotent_requests_total",
        "Requests that carried an Idempotency-Key, by endpoint and outcome (stored, replayed, key_reused, in_progress).",
        new CounterConfiguration { LabelNames = ["endpoint", "outcome"] }));

    private readonly Counter _purged = metrics.CreateCounter(
        "idempotency_keys_purged_total", "Expired idempotency keys deleted from the store.");

    public void Request(string scope, string outcome) => _requests.WithLabels(scope, outcome).Inc();

    public void Purged(int count) => _purged.Inc(count);

    /// <summary>Every series exists from the start at 0, so the first replay shows as an increase.</summary>
    private static Counter Outcomes(Counter counter)
    {
        foreach (var endpoint in new[] { "analyze", "vectors" })
        {
            foreach (var outcome in new[] { "stored", "replayed", "key_reused", "in_progress" })
            {
                counter.WithLabels(endpoint, outcome);
            }
        }

        return counter;
    }
}
