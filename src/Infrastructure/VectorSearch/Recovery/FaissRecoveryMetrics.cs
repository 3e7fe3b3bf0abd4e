using CadMl.Application.Faiss.Ports;
using CadMl.Domain.Degradation;
using Prometheus;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// Degradation and recovery metrics; names are the reference's (dashboards and alert rules use
/// them). Counters move on state changes; gauges are recomputed at every scrape from the
/// use cases' tracker, so a duration or ETA is current even when nobody polls the health endpoint.
/// </summary>
internal sealed class FaissRecoveryMetrics : IRecoveryMetrics
{
    private readonly Counter _transitions;
    private readonly Counter _attempts;
    private readonly Counter _suppressed;
    private readonly Counter _rebuildDeferred;
    private readonly Gauge _degraded;
    private readonly Gauge _degradedDuration;
    private readonly Gauge _nextEta;
    private readonly Gauge _suppressionRemaining;
    private readonly Gauge _stateBackend;
    private readonly Histogram _recoveryDuration;

    public FaissRecoveryMetrics(IMetricFactory metrics, CollectorRegistry registry, IRecoveryStateStore store)
    {
        _transitions = metrics.CreateCounter("similarity_degraded_total", "Similarity backend transitions, by event (degraded, restored).",
            new CounterConfiguration { LabelNames = ["event"] });
        _attempts = metrics.CreateCounter("faiss_recovery_attempts_total",
            "Recovery attempts by result: success, error, suppressed (flap suppression), skipped (a manual attempt held the lease).",
            new CounterConfiguration { LabelNames = ["result"] });
        _suppressed = metrics.CreateCounter("faiss_recovery_suppressed_total", "Times automatic recovery was suppressed, by reason.",
            new CounterConfiguration { LabelNames = ["reason"] });
        // Not a reason of faiss_recovery_suppressed_total: its alert means flapping, and waiting for
        // another replica's rebuild is the rolling rebuild working as meant.
        _rebuildDeferred = metrics.CreateCounter("faiss_rebuild_deferred_total",
            "Background FAISS rebuilds put off to their next tick because another rebuild held the fleet's rebuild lease, by trigger.",
            new CounterConfiguration { LabelNames = ["trigger"] });
        _degraded = metrics.CreateGauge("faiss_degraded", "1 while similarity search runs on the exact fallback, else 0.");
        _degradedDuration = metrics.CreateGauge("faiss_degraded_duration_seconds", "How long the current degradation has lasted; 0 when healthy.");
        _nextEta = metrics.CreateGauge("faiss_next_recovery_eta_seconds", "Seconds until the next automatic recovery attempt; 0 when none is scheduled.");
        _suppressionRemaining = metrics.CreateGauge("faiss_recovery_suppression_remaining_seconds", "Seconds of flap suppression left; 0 when none.");
        _stateBackend = metrics.CreateGauge("faiss_recovery_state_backend", "1 for the backend that persists the recovery state.",
            new GaugeConfiguration { LabelNames = ["backend"] });
        _recoveryDuration = metrics.CreateHistogram("faiss_recovery_duration_seconds", "How long degradations lasted, degraded to restored.",
            new HistogramConfiguration { Buckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400] });
        // Known label values exist at 0 from the start, so increase() sees their first event.
        _suppressed.WithLabels("flapping");
        foreach (var trigger in new[] { Application.Faiss.IndexRebuildLease.AutomaticRecovery, Application.Faiss.IndexRebuildLease.TombstoneRebuild })
        {
            _rebuildDeferred.WithLabels(trigger);
        }

        foreach (var transition in new[] { "degraded", "restored" })
        {
            _transitions.WithLabels(transition);
        }

        foreach (var result in new[] { "success", "error", "suppressed", "skipped" })
        {
            _attempts.WithLabels(result);
        }

        _stateBackend.WithLabels(store.Backend).Set(1);
        registry.AddBeforeCollectCallback(() =>
        {
            if (_source?.Invoke() is not { } state)
            {
                return;
            }

            _degraded.Set(state.Degraded ? 1 : 0);
            _degradedDuration.Set(state.DegradedFor.TotalSeconds);
            _nextEta.Set(state.NextAttemptIn?.TotalSeconds ?? 0);
            _suppressionRemaining.Set(state.SuppressionRemaining.TotalSeconds);
        });
    }

    private Func<RecoveryGauges>? _source;

    public void Observe(Func<RecoveryGauges> gauges) => _source = gauges;

    public void Transition(DegradationTransition transition, TimeSpan degradedFor)
    {
        _transitions.WithLabels(transition.Event == DegradationEventKind.Degraded ? "degraded" : "restored").Inc();
        if (transition.Event == DegradationEventKind.Restored)
        {
            _recoveryDuration.Observe(degradedFor.TotalSeconds);
        }
    }

    public void Attempt(string result) => _attempts.WithLabels(result).Inc();

    public void Suppressed(string reason) => _suppressed.WithLabels(reason).Inc();

    public void RebuildDeferred(string trigger) => _rebuildDeferred.WithLabels(trigger).Inc();
}
