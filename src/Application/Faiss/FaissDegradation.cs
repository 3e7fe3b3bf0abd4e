using CadMl.Application.Common.Configuration;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Degradation;
using CadMl.Domain.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Faiss;

/// <summary>
/// The process's one <see cref="DegradationTracker"/> and every recovery decision made with it:
/// a degradation (fault report, start-up failure, drill) moves searches to exact and records one
/// event; a due attempt asks the backend to bring FAISS back; flapping suppresses automatic
/// attempts; a manual attempt holds a lease the loop respects; a rebuild from the store takes the
/// fleet's <see cref="IndexRebuildLease"/> first. Every change is persisted through
/// <see cref="IRecoveryStateStore"/> and shown in the metrics. The use cases in this folder are its
/// only callers. Tracker access is short and under <c>_sync</c>; attempts run one at a time
/// (<c>_attempt</c>); saves are ordered (<c>_persist</c>) and always write the newest state.
/// </summary>
internal sealed partial class FaissDegradation : IDisposable
{
    private readonly IFaissBackend _backend;
    private readonly IVectorIndex _index;
    private readonly IRecoveryStateStore _store;
    private readonly IRecoveryMetrics _metrics;
    private readonly RecoveryWakeup _wakeup;
    private readonly IndexRebuildLease _rebuildLease;
    private readonly TimeProvider _time;
    private readonly ILogger<FaissDegradation> _logger;
    private readonly DegradationTracker _tracker;
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _attempt = new(1, 1);
    private readonly SemaphoreSlim _persist = new(1, 1);
    private readonly SemaphoreSlim _load = new(1, 1);
    private volatile bool _loaded;
    private string? _stateProblem;

    public FaissDegradation(
        IFaissBackend backend,
        IVectorIndex index,
        IRecoveryStateStore store,
        IRecoveryMetrics metrics,
        RecoveryWakeup wakeup,
        IndexRebuildLease rebuildLease,
        IOptions<RecoveryPolicyOptions> options,
        TimeProvider time,
        ILogger<FaissDegradation> logger)
    {
        _backend = backend;
        _index = index;
        _store = store;
        _metrics = metrics;
        _wakeup = wakeup;
        _rebuildLease = rebuildLease;
        _time = time;
        _logger = logger;
        _tracker = new DegradationTracker(options.Value.Policy, time, Random.Shared.NextDouble);
        metrics.Observe(() =>
        {
            lock (_sync)
            {
                return new RecoveryGauges(_tracker.IsDegraded, _tracker.DegradedFor, _tracker.NextAttemptIn, _tracker.SuppressionRemaining);
            }
        });
    }

    /// <summary>Loads the persisted state once, before anything reads or changes it.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        await _load.WaitAsync(cancellationToken);
        try
        {
            if (_loaded)
            {
                return;
            }

            RecoveryStateLoad load;
            try
            {
                load = await _store.LoadAsync(state => state.Problems(_time.GetUtcNow(), _tracker.Policy), cancellationToken);
            }
            catch (RecoveryStateUnavailableException exception)
            {
                load = new RecoveryStateLoad(null, $"state could not be read from {_store.Backend}: {exception.InnerException?.Message ?? exception.Message}");
            }

            lock (_sync)
            {
                if (load.State is not null)
                {
                    _tracker.Load(load.State);
                }

                _stateProblem = load.Problem;
            }

            if (load.Problem is not null)
            {
                LogStateRefused(_store.Backend, load.Problem);
            }
            else if (load.State is { Degraded: true })
            {
                LogResumedDegraded(load.State.Reason!);
            }

            _loaded = true;
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>A degradation trigger. Only the first one of a degraded period records an event.</summary>
    public async Task<FaissHealthDto> DegradeAsync(string reason, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        _backend.ServeExact();
        DegradationTransition? transition;
        bool opened;
        lock (_sync)
        {
            transition = _tracker.Degrade(reason, out opened);
        }

        if (transition is not null)
        {
            await RecordAsync(transition, TimeSpan.Zero, opened);
        }

        return Health();
    }

    public async Task<FaissHealthDto> DrillAsync(string reason, TimeSpan duration, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        _backend.ServeExact();
        DegradationTransition? transition;
        bool opened;
        lock (_sync)
        {
            transition = _tracker.StartDrill(reason, duration, out opened);
        }

        LogDrill(reason, duration.TotalSeconds);
        if (transition is not null)
        {
            await RecordAsync(transition, TimeSpan.Zero, opened);
        }
        else
        {
            await PersistAsync();
        }

        return Health();
    }

    /// <summary>
    /// The loop's tick: attempt if due. Healthy and not-yet-due ticks are not attempts and are not
    /// counted. Returns how long the loop may sleep before the next tick (a state change wakes it earlier).
    /// </summary>
    public async Task<TimeSpan> RunDueAttemptAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        AttemptDecision decision;
        lock (_sync)
        {
            decision = _tracker.Decide();
        }

        switch (decision)
        {
            case AttemptDecision.Suppressed:
                _metrics.Attempt("suppressed");
                break;
            case AttemptDecision.LeaseHeld:
                _metrics.Attempt("skipped");
                break;
            case AttemptDecision.Due when await _attempt.WaitAsync(TimeSpan.Zero, cancellationToken):
                try
                {
                    await AttemptAsync("automatic_recovery", manual: false, cancellationToken);
                }
                finally
                {
                    _attempt.Release();
                }

                break;
            case AttemptDecision.Due:
                _metrics.Attempt("skipped");
                break;
        }

        return NextWake();
    }

    public async Task<ManualRecoveryResult> RecoverAsync(bool force, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken);
        lock (_sync)
        {
            if (!_tracker.IsDegraded)
            {
                return new ManualRecoveryResult(ManualRecoveryOutcome.NotDegraded, null, HealthLocked());
            }

            if (_tracker.IsSuppressed && !force)
            {
                return new ManualRecoveryResult(ManualRecoveryOutcome.Suppressed, null, HealthLocked());
            }

            if (!_tracker.TryAcquireManualLease())
            {
                return new ManualRecoveryResult(ManualRecoveryOutcome.InProgress, null, HealthLocked());
            }
        }

        try
        {
            // Waits for an automatic attempt that is already running; the loop skips from now on.
            await _attempt.WaitAsync(cancellationToken);
            try
            {
                if (!IsDegraded)
                {
                    return new ManualRecoveryResult(ManualRecoveryOutcome.NotDegraded, null, Health());
                }

                var attempt = await AttemptAsync(force ? "manual_recovery_forced" : "manual_recovery", manual: true, cancellationToken);
                if (attempt.Deferred)
                {
                    return new ManualRecoveryResult(ManualRecoveryOutcome.RebuildInProgress, null, Health(), attempt.RebuildHolder);
                }

                return new ManualRecoveryResult(attempt.Error is null ? ManualRecoveryOutcome.Restored : ManualRecoveryOutcome.StillDegraded, attempt.Error, Health());
            }
            finally
            {
                _attempt.Release();
            }
        }
        finally
        {
            lock (_sync)
            {
                _tracker.ReleaseManualLease();
            }

            _wakeup.Pulse();
        }
    }

    public bool IsDegraded
    {
        get
        {
            lock (_sync)
            {
                return _tracker.IsDegraded;
            }
        }
    }

    public FaissHealthDto Health()
    {
        lock (_sync)
        {
            return HealthLocked();
        }
    }

    public void Dispose()
    {
        _attempt.Dispose();
        _persist.Dispose();
        _load.Dispose();
    }

    /// <summary>Healthy, or a manual attempt holds the lease: one policy interval (a change wakes the loop sooner).</summary>
    private TimeSpan NextWake()
    {
        lock (_sync)
        {
            return _tracker.Decide() switch
            {
                AttemptDecision.NotDegraded or AttemptDecision.LeaseHeld => _tracker.Policy.Interval,
                AttemptDecision.Suppressed => _tracker.SuppressionRemaining,
                _ => _tracker.NextAttemptIn ?? _tracker.Policy.Interval,
            };
        }
    }

    /// <summary>
    /// One attempt: FAISS serves again (no error), or the error; or, when another rebuild holds the
    /// fleet's rebuild lease, deferred without running. An automatic deferral only moves the next
    /// attempt one interval on; a manual one changes nothing and names the holder.
    /// </summary>
    private async Task<AttemptResult> AttemptAsync(string how, bool manual, CancellationToken cancellationToken)
    {
        string? error;
        bool drill;
        DateTimeOffset? drillUntil;
        lock (_sync)
        {
            drill = _tracker.DrillActive;
            drillUntil = _tracker.DrillUntil;
        }

        // A drill's attempt fails without building anything, so it needs no lease. A lease taken is
        // released when the attempt has been recorded, so the next rebuild sees its outcome.
        await using var lease = drill ? null
            : await _rebuildLease.AcquireAsync(manual ? IndexRebuildLease.ManualRecovery : IndexRebuildLease.AutomaticRecovery, cancellationToken);
        if (lease is { HeldElsewhere: true })
        {
            if (!manual)
            {
                lock (_sync)
                {
                    _tracker.AttemptDeferred();
                }

                await PersistAsync();
            }

            return new AttemptResult(null, Deferred: true, lease.Holder);
        }

        try
        {
            error = drill ? $"drill active until {drillUntil:O}" : await _backend.ActivateAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Counted as a failed attempt so the backoff grows: an unexpected fault must not
            // turn a due attempt into a tight retry loop.
            LogAttemptFault(exception);
            error = $"recovery_attempt_failed: {exception.Message}";
        }

        DegradationTransition? transition = null;
        TimeSpan lasted = TimeSpan.Zero;
        var opened = false;
        lock (_sync)
        {
            if (error is null && _tracker.DrillActive)
            {
                // A drill started while this attempt was building: the drill wins.
                error = $"drill active until {_tracker.DrillUntil:O}";
            }

            if (error is null)
            {
                transition = _tracker.Restore(how, out lasted, out opened);
            }
            else
            {
                _tracker.AttemptFailed(error);
            }
        }

        _metrics.Attempt(error is null ? "success" : "error");
        if (error is not null)
        {
            _backend.ServeExact();
            LogAttemptFailed(how, error);
            await PersistAsync();
            _wakeup.Pulse();
        }
        else if (transition is not null)
        {
            await RecordAsync(transition, lasted, opened);
        }

        return new AttemptResult(error, Deferred: false, null);
    }

    private async Task RecordAsync(DegradationTransition transition, TimeSpan lasted, bool suppressionOpened)
    {
        _metrics.Transition(transition, lasted);
        if (suppressionOpened)
        {
            _metrics.Suppressed("flapping");
        }

        if (transition.Event == DegradationEventKind.Degraded)
        {
            LogDegraded(transition.Reason);
        }
        else
        {
            LogRestored(transition.Reason, lasted.TotalSeconds);
        }

        if (suppressionOpened)
        {
            LogSuppressed();
        }

        await PersistAsync();
        _wakeup.Pulse();
    }

    private async Task PersistAsync()
    {
        await _persist.WaitAsync();
        try
        {
            DegradationState snapshot;
            lock (_sync)
            {
                snapshot = _tracker.Snapshot();
            }

            await _store.SaveAsync(snapshot, CancellationToken.None);
        }
        catch (RecoveryStateUnavailableException exception)
        {
            LogPersistFailed(exception, _store.Backend);
        }
        finally
        {
            _persist.Release();
        }
    }

    private FaissHealthDto HealthLocked()
    {
        var facts = _index.Facts();
        var next = _tracker.EffectiveNextAttemptAt;
        var suppressed = _tracker.IsSuppressed ? _tracker.SuppressedUntil : null;
        return new FaissHealthDto(
            _tracker.IsDegraded,
            _tracker.Reason,
            _tracker.DegradedSince,
            _tracker.DegradedFor.TotalSeconds,
            _tracker.History.Count,
            [.. _tracker.History.Select(h => new DegradationEventDto(h.Event == DegradationEventKind.Degraded ? "degraded" : "restored", h.Reason, h.At))],
            next?.ToUnixTimeSeconds(),
            _tracker.NextAttemptIn?.TotalSeconds,
            _tracker.ManualRecoveryInProgress,
            suppressed?.ToUnixTimeSeconds(),
            _tracker.SuppressionRemaining.TotalSeconds,
            _tracker.ConsecutiveFailures,
            _tracker.LastError,
            _tracker.DrillActive ? _tracker.DrillUntil : null,
            facts.Backend,
            new FaissIndexDto(
                facts.Kind,
                facts.Size,
                facts.Versions.ToDictionary(v => v.Key, v => v.Value.Dimension, StringComparer.Ordinal),
                facts.Generation,
                facts.Generation),
            _store.Backend,
            _stateProblem);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Similarity search degraded to exact: {Reason}")]
    private partial void LogDegraded(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Similarity search restored to FAISS ({How}) after {Seconds:F1} s degraded")]
    private partial void LogRestored(string how, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FAISS recovery attempt ({How}) failed: {Error}")]
    private partial void LogAttemptFailed(string how, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS recovery attempt failed with an unexpected exception")]
    private partial void LogAttemptFault(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FAISS degraded/restored toggles reached the flap threshold; automatic recovery suppressed")]
    private partial void LogSuppressed();

    [LoggerMessage(Level = LogLevel.Warning, Message = "FAISS degradation drill started ({Reason}) for {Seconds} s")]
    private partial void LogDrill(string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recovery state in {Backend} was refused and not trusted: {Problem}")]
    private partial void LogStateRefused(string backend, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Starting degraded, as the persisted recovery state says: {Reason}")]
    private partial void LogResumedDegraded(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Persisting the recovery state to {Backend} failed")]
    private partial void LogPersistFailed(Exception exception, string backend);
}

internal enum ManualRecoveryOutcome
{
    Restored,
    StillDegraded,
    NotDegraded,
    Suppressed,
    InProgress,

    /// <summary>Another rebuild (another replica's, or a background one here) holds the fleet's rebuild lease.</summary>
    RebuildInProgress,
}

/// <param name="RebuildHolder">With <see cref="ManualRecoveryOutcome.RebuildInProgress"/>: the rebuild lease as its holder has it.</param>
internal sealed record ManualRecoveryResult(ManualRecoveryOutcome Outcome, string? Error, FaissHealthDto Health, FleetLease? RebuildHolder = null);

/// <param name="Deferred">Not run: another rebuild held the lease (<paramref name="RebuildHolder"/>, when asked for in the foreground).</param>
internal sealed record AttemptResult(string? Error, bool Deferred, FleetLease? RebuildHolder);
