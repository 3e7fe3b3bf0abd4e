using CadMl.Application.FeatureCache.Ports;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal sealed class PrometheusFeatureCacheMetrics : IFeatureCacheMetrics
{
    private readonly Counter _prewarm;
    private readonly Counter _changes;

    public PrometheusFeatureCacheMetrics(IMetricFactory metrics)
    {
        _prewarm = metrics.CreateCounter(
            "feature_cache_prewarm_total", "Entries considered by cache prewarm, by result (loaded, skipped).",
            new CounterConfiguration { LabelNames = ["result"] });
        _changes = metrics.CreateCounter(
            "feature_cache_settings_changes_total", "Live cache settings actions, by action (apply, rollback, apply_refused, rollback_refused).",
            new CounterConfiguration { LabelNames = ["action"] });

        // Known label values exist from the start at 0, so dashboards and increase() see the first event.
        _prewarm.WithLabels("loaded");
        _prewarm.WithLabels("skipped");
        foreach (var action in (string[])["apply", "rollback", "apply_refused", "rollback_refused"])
        {
            _changes.WithLabels(action);
        }
    }

    public void SettingsChanged(string action) => _changes.WithLabels(action).Inc();

    public void Prewarmed(int loaded, int skipped)
    {
        _prewarm.WithLabels("loaded").Inc(loaded);
        _prewarm.WithLabels("skipped").Inc(skipped);
    }
}
