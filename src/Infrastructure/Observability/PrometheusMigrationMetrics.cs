using CadMl.Application.Migration.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal sealed class PrometheusMigrationMetrics(IMetricFactory metrics) : IMigrationMetrics
{
    /// <summary>The reference buckets: dashboards and the negative-skew alert read quantiles from them.</summary>
    internal static readonly double[] DeltaBuckets = [-20, -10, -5, -2, -1, 0, 1, 2, 5, 10, 20, 50, 100];

    private readonly Counter _items = WithOutcomes(metrics.CreateCounter(
        "vector_migrate_total", "Vectors handled by migration runs, by outcome (migrated, downgraded, skipped, not_found, error, dry_run).",
        new CounterConfiguration { LabelNames = ["status"] }));

    private readonly Histogram _delta = metrics.CreateHistogram(
        "vector_migrate_dimension_delta", "Dimension change of each vector a migration moved (target minus source dimension).",
        new HistogramConfiguration { Buckets = DeltaBuckets });

    private readonly Histogram _duration = metrics.CreateHistogram(
        "vector_migrate_duration_seconds", "Wall time of migration runs, dry runs included.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 18) });

    private readonly Gauge _earlier = metrics.CreateGauge(
        "vector_store_earlier_layout", "Stored vectors of an earlier layout of their version (v5 with 73 slots), left out of similarity search until migrated or analysed again.",
        new GaugeConfiguration { LabelNames = ["version"] });

    public void EarlierLayout(FeatureVersion version, long count) => _earlier.WithLabels(version.Name()).Set(count);

    public void Counted(MigrationOutcome outcome, int count) => _items.WithLabels(Label(outcome)).Inc(count);

    public void Moved(int dimensionDelta) => _delta.Observe(dimensionDelta);

    public void RunFinished(TimeSpan duration) => _duration.Observe(duration.TotalSeconds);

    /// <summary>Every outcome exists at 0 from the start, so the error-rate alert sees the first errors.</summary>
    private static Counter WithOutcomes(Counter items)
    {
        foreach (var outcome in Enum.GetValues<MigrationOutcome>())
        {
            items.WithLabels(Label(outcome));
        }

        return items;
    }

    private static string Label(MigrationOutcome outcome) => outcome switch
    {
        MigrationOutcome.Migrated => "migrated",
        MigrationOutcome.Downgraded => "downgraded",
        MigrationOutcome.Skipped => "skipped",
        MigrationOutcome.NotFound => "not_found",
        MigrationOutcome.Error => "error",
        MigrationOutcome.DryRun => "dry_run",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
