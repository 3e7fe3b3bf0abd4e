namespace CadMl.Domain.Degradation;

public enum DegradationEventKind
{
    Degraded,
    Restored,
}

/// <summary>One transition, with when and why.</summary>
public sealed record DegradationTransition(DegradationEventKind Event, string Reason, DateTimeOffset At);

/// <summary>
/// Everything the tracker must remember across a restart, as plain values. <see cref="Problems"/>
/// is the validation a loaded copy must pass before it is trusted.
/// </summary>
public sealed record DegradationState(
    bool Degraded,
    string? Reason,
    DateTimeOffset? DegradedSince,
    IReadOnlyList<DegradationTransition> History,
    IReadOnlyList<DateTimeOffset> Toggles,
    int ConsecutiveFailures,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? SuppressedUntil,
    DateTimeOffset? DrillUntil,
    string? LastError,
    DateTimeOffset SavedAt)
{
    /// <summary>How far a saved time may lie in the future (clock adjustments between hosts) before it is refused.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    public IEnumerable<string> Problems(DateTimeOffset now, RecoveryPolicy policy)
    {
        var latest = now + AllowedClockSkew;
        if (SavedAt > latest)
        {
            yield return $"saved_at {SavedAt:O} lies in the future";
        }

        if (Degraded && (string.IsNullOrWhiteSpace(Reason) || DegradedSince is null))
        {
            yield return "a degraded state must have a reason and degraded_since";
        }

        if (!Degraded && (DegradedSince is not null || NextAttemptAt is not null))
        {
            yield return "a healthy state cannot have degraded_since or a next attempt";
        }

        if (DegradedSince > latest || History.Any(h => h.At > latest) || Toggles.Any(t => t > latest))
        {
            yield return "a recorded transition lies in the future";
        }

        if (ConsecutiveFailures < 0)
        {
            yield return "consecutive_failures is negative";
        }

        if (History.Count > policy.HistoryLimit)
        {
            yield return $"history holds {History.Count} events, more than the limit {policy.HistoryLimit}";
        }

        if (History.Any(h => string.IsNullOrWhiteSpace(h.Reason) || !Enum.IsDefined(h.Event)))
        {
            yield return "a history event has no reason or an unknown kind";
        }

        if (SuppressedUntil > now + policy.Suppression + AllowedClockSkew || NextAttemptAt > now + policy.MaxBackoff + AllowedClockSkew)
        {
            yield return "suppression or next attempt lies further ahead than the policy allows";
        }
    }
}
