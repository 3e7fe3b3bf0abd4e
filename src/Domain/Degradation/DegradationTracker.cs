namespace CadMl.Domain.Degradation;

/// <summary>What the recovery loop should do now.</summary>
public enum AttemptDecision
{
    /// <summary>Healthy: nothing to recover, and not an attempt.</summary>
    NotDegraded,

    /// <summary>Degraded, but the backoff has not elapsed.</summary>
    NotDue,

    /// <summary>Due, but flapping suppressed automatic recovery.</summary>
    Suppressed,

    /// <summary>Due, but a manual attempt holds the lease.</summary>
    LeaseHeld,

    Due,
}

/// <summary>
/// The similarity backend's health as a state machine: healthy or degraded, with every
/// transition (time, reason) in a bounded history, newest first. One degraded event per
/// transition: degrading an already degraded tracker changes nothing, so a failing request
/// path cannot flood the history. Failed attempts grow the backoff; a transition resets it.
/// Toggles feed the <see cref="FlapDetector"/>, which can suppress automatic recovery. A manual
/// attempt holds a lease the loop respects. Times are wall-clock (TimeProvider.GetUtcNow), not
/// monotonic, because the state is persisted and must mean the same after a restart.
/// </summary>
public sealed class DegradationTracker
{
    private readonly TimeProvider _time;
    private readonly Func<double> _jitter;
    private readonly FlapDetector _flaps;
    private readonly List<DegradationTransition> _history = [];
    private DateTimeOffset? _leaseExpires;

    public DegradationTracker(RecoveryPolicy policy, TimeProvider time, Func<double>? jitter = null)
    {
        Policy = policy;
        _time = time;
        _jitter = jitter ?? (() => 0.5);
        _flaps = new FlapDetector(policy.FlapThreshold, policy.FlapWindow);
    }

    public RecoveryPolicy Policy { get; }

    public bool IsDegraded { get; private set; }

    public string? Reason { get; private set; }

    public DateTimeOffset? DegradedSince { get; private set; }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<DegradationTransition> History => _history;

    public int ConsecutiveFailures { get; private set; }

    public DateTimeOffset? NextAttemptAt { get; private set; }

    public DateTimeOffset? SuppressedUntil { get; private set; }

    public DateTimeOffset? DrillUntil { get; private set; }

    public string? LastError { get; private set; }

    public bool ManualRecoveryInProgress => _leaseExpires is { } expires && _time.GetUtcNow() < expires;

    public TimeSpan DegradedFor => DegradedSince is { } since ? Max(_time.GetUtcNow() - since, TimeSpan.Zero) : TimeSpan.Zero;

    public bool IsSuppressed => SuppressedUntil is { } until && _time.GetUtcNow() < until;

    public TimeSpan SuppressionRemaining => SuppressedUntil is { } until ? Max(until - _time.GetUtcNow(), TimeSpan.Zero) : TimeSpan.Zero;

    /// <summary>When the next automatic attempt will really run: a suppression pushes it to the suppression's end.</summary>
    public DateTimeOffset? EffectiveNextAttemptAt =>
        NextAttemptAt is { } at && IsSuppressed && SuppressedUntil > at ? SuppressedUntil : NextAttemptAt;

    /// <summary>Until the next automatic attempt: zero when due, null when none is scheduled (healthy).</summary>
    public TimeSpan? NextAttemptIn => EffectiveNextAttemptAt is { } at ? Max(at - _time.GetUtcNow(), TimeSpan.Zero) : null;

    public bool DrillActive => DrillUntil is { } until && _time.GetUtcNow() < until;

    /// <summary>
    /// Healthy → degraded. Returns the transition, or null when already degraded (no event).
    /// <paramref name="suppressionOpened"/> says whether this toggle opened a flap suppression.
    /// </summary>
    public DegradationTransition? Degrade(string reason, out bool suppressionOpened)
    {
        suppressionOpened = false;
        if (IsDegraded)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        IsDegraded = true;
        Reason = reason;
        DegradedSince = now;
        ConsecutiveFailures = 0;
        LastError = null;
        NextAttemptAt = now + Policy.Backoff(0, _jitter());
        return Record(DegradationEventKind.Degraded, reason, now, out suppressionOpened);
    }

    /// <summary>
    /// Degraded → healthy after a successful attempt. Null when not degraded. <paramref name="degradedFor"/>
    /// is how long the degradation lasted (for the duration histogram).
    /// </summary>
    public DegradationTransition? Restore(string reason, out TimeSpan degradedFor, out bool suppressionOpened)
    {
        degradedFor = DegradedFor;
        suppressionOpened = false;
        if (!IsDegraded)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        IsDegraded = false;
        Reason = null;
        DegradedSince = null;
        ConsecutiveFailures = 0;
        NextAttemptAt = null;
        LastError = null;
        DrillUntil = null;
        return Record(DegradationEventKind.Restored, reason, now, out suppressionOpened);
    }

    /// <summary>A recovery attempt failed: remember why and push the next attempt out by the grown backoff.</summary>
    public void AttemptFailed(string error)
    {
        if (!IsDegraded)
        {
            return;
        }

        ConsecutiveFailures++;
        LastError = error;
        NextAttemptAt = _time.GetUtcNow() + Policy.Backoff(ConsecutiveFailures, _jitter());
    }

    /// <summary>
    /// A due automatic attempt did not run because another rebuild holds the fleet's rebuild lease:
    /// not a failure, so the failures, the backoff and the flap record stay as they were; the next
    /// attempt is one base interval away (the attempt schedule's first step, with its jitter).
    /// </summary>
    public void AttemptDeferred()
    {
        if (!IsDegraded)
        {
            return;
        }

        NextAttemptAt = _time.GetUtcNow() + Policy.Backoff(0, _jitter());
    }

    public AttemptDecision Decide()
    {
        var now = _time.GetUtcNow();
        if (!IsDegraded)
        {
            return AttemptDecision.NotDegraded;
        }

        if (NextAttemptAt is { } at && now < at)
        {
            return AttemptDecision.NotDue;
        }

        if (IsSuppressed)
        {
            return AttemptDecision.Suppressed;
        }

        return ManualRecoveryInProgress ? AttemptDecision.LeaseHeld : AttemptDecision.Due;
    }

    /// <summary>Takes the manual-recovery lease; false while another holds it.</summary>
    public bool TryAcquireManualLease()
    {
        if (ManualRecoveryInProgress)
        {
            return false;
        }

        _leaseExpires = _time.GetUtcNow() + RecoveryPolicy.ManualLeaseTtl;
        return true;
    }

    public void ReleaseManualLease() => _leaseExpires = null;

    /// <summary>A synthetic degradation for drills: degraded now, and attempts fail until the drill ends.</summary>
    public DegradationTransition? StartDrill(string reason, TimeSpan duration, out bool suppressionOpened)
    {
        DrillUntil = _time.GetUtcNow() + duration;
        return Degrade($"drill: {reason}", out suppressionOpened);
    }

    public DegradationState Snapshot() => new(
        IsDegraded, Reason, DegradedSince, [.. _history], [.. _flaps.Toggles], ConsecutiveFailures,
        NextAttemptAt, SuppressedUntil, DrillUntil, LastError, _time.GetUtcNow());

    /// <summary>Takes over a persisted state (already validated). The lease is not persisted: its holder died with its process.</summary>
    public void Load(DegradationState state)
    {
        IsDegraded = state.Degraded;
        Reason = state.Reason;
        DegradedSince = state.DegradedSince;
        _history.Clear();
        _history.AddRange(state.History.OrderByDescending(h => h.At).Take(Policy.HistoryLimit));
        _flaps.Restore(state.Toggles);
        ConsecutiveFailures = state.ConsecutiveFailures;
        NextAttemptAt = state.NextAttemptAt;
        SuppressedUntil = state.SuppressedUntil;
        DrillUntil = state.DrillUntil;
        LastError = state.LastError;
        _leaseExpires = null;
    }

    private DegradationTransition Record(DegradationEventKind kind, string reason, DateTimeOffset now, out bool suppressionOpened)
    {
        var transition = new DegradationTransition(kind, reason, now);
        _history.Insert(0, transition);
        if (_history.Count > Policy.HistoryLimit)
        {
            _history.RemoveRange(Policy.HistoryLimit, _history.Count - Policy.HistoryLimit);
        }

        suppressionOpened = false;
        if (_flaps.Record(now) && !IsSuppressed)
        {
            SuppressedUntil = now + Policy.Suppression;
            suppressionOpened = true;
        }

        return transition;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
