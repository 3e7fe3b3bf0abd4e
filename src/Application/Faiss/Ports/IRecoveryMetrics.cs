using CadMl.Domain.Degradation;

namespace CadMl.Application.Faiss.Ports;

/// <summary>Degradation and recovery as metrics: what happened (counters) and, at each scrape, where it stands (gauges).</summary>
public interface IRecoveryMetrics
{
    /// <summary>Read at every scrape, so a duration or ETA is current even when nobody asks for health.</summary>
    void Observe(Func<RecoveryGauges> gauges);

    void Transition(DegradationTransition transition, TimeSpan degradedFor);

    /// <summary><c>success</c>, <c>error</c>, <c>suppressed</c> or <c>skipped</c>.</summary>
    void Attempt(string result);

    void Suppressed(string reason);

    /// <summary>A background rebuild (<c>automatic_recovery</c>, <c>tombstone_rebuild</c>) waited for the fleet's rebuild lease: not a failure.</summary>
    void RebuildDeferred(string trigger);
}

public sealed record RecoveryGauges(bool Degraded, TimeSpan DegradedFor, TimeSpan? NextAttemptIn, TimeSpan SuppressionRemaining);
