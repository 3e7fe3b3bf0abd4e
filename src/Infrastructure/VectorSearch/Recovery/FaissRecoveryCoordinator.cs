using CadMl.Application.Common.Configuration;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.Ports;
using CadMl.Domain.Degradation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// Runs the Domain's <see cref="DegradationTracker"/> against the real similarity index:
/// degradation triggers (library missing, index build failure, a throwing search or write, the
/// drill) switch searches to exact and record one event; attempts re-probe the library and
/// rebuild FAISS from the exact index (which mirrors the durable store write for write); every
/// change is persisted and reflected in the metrics. Tracker access is short and under
/// <c>_sync</c>; attempts are one at a time (<c>_attempt</c>); saves are ordered (<c>_persist</c>)
/// and always write the newest snapshot.
/// </summary>
internal sealed partial class FaissRecoveryCoordinator : IFaissRecovery, IDisposable
{
    private readonly SimilarityIndex _index;
    private readonly FaissActivator _activator;
    private readonly IRecoveryStateStore _store;
    private readonly FaissRecoveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<FaissRecoveryCoordinator> _logger;
    private readonly DegradationTracker _tracker;
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _attempt = new(1, 1);
    private readonly SemaphoreSlim _persist = new(1, 1);
    private readonly SemaphoreSlim _load = new(1, 1);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _loaded;
    private string? _stateProblem;

    public FaissRecoveryCoordinator(
        SimilarityIndex index,
        FaissActivator activator,
        IRecoveryStateStore store,
        FaissRecoveryMetrics metrics,
        IOptions<FaissRecoveryOptions> options,
        TimeProvider time,
        ILogger<FaissRecoveryCoordinator> logger)
    {
        _index = index;
        _activator = activator;
        _store = store;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _tracker = new DegradationTracker(options.Value.Policy, time, Random.Shared.NextDouble);
        metrics.Backend(store.Backend);
        metrics.Observe(() =>
        {
            lock (_sync)
            {
                return (_tracker.IsDegraded, _tracker.DegradedFor, _tracker.NextAttemptIn, _tracker.SuppressionRemaining);
            }
        });
        index.Faulted += reason => _ = DegradeAsync(reason, CancellationToken.None);
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

    /// <summary>Completes at the next state change; the recovery loop waits on it to reschedule at once.</summary>
    public Task Changed
    {
        get
        {
            lock (_sync)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Loads the persisted state once, before anything reads or changes it.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
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
                load = await _store.LoadAsync(_tracker.Policy, cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or StackExchange.Redis.RedisException)
            {
                load = new RecoveryStateLoad(null, $"state could not be read from {_store.Backend}: {exception.Message}");
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
    public async Task DegradeAsync(string reason, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        _index.Detach();
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
    }

    public async Task<FaissHealthDto> DrillAsync(string reason, TimeSpan duration, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        _index.Detach();
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

    /// <summary>How long the loop may sleep: null means "until the next change" (healthy, or a manual attempt holds the lease).</summary>
    public TimeSpan? NextWake()
    {
        lock (_sync)
        {
            return _tracker.Decide() switch
            {
                AttemptDecision.NotDegraded or AttemptDecision.LeaseHeld => null,
                AttemptDecision.Suppressed => _tracker.SuppressionRemaining,
                _ => _tracker.NextAttemptIn,
            };
        }
    }

    /// <summary>The loop's tick: attempt if due. Healthy and not-yet-due ticks are not attempts and are not counted.</summary>
    public async Task RunDueAttemptAsync(CancellationToken cancellationToken)
    {
        AttemptDecision decision;
        lock (_sync)
        {
            decision = _tracker.Decide();
        }

        switch (decision)
        {
            case AttemptDecision.Suppressed:
                _metrics.Attempt("suppressed");
                return;
            case AttemptDecision.LeaseHeld:
                _metrics.Attempt("skipped");
                return;
            case AttemptDecision.Due:
                break;
            default:
                return;
        }

        if (!await _attempt.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            _metrics.Attempt("skipped");
            return;
        }

        try
        {
            await AttemptAsync("automatic_recovery", cancellationToken);
        }
        finally
        {
            _attempt.Release();
        }
    }

    public async Task<ManualRecoveryResult> RecoverAsync(bool force, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
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

                var error = await AttemptAsync(force ? "manual_recovery_forced" : "manual_recovery", cancellationToken);
                return new ManualRecoveryResult(error is null ? ManualRecoveryOutcome.Restored : ManualRecoveryOutcome.StillDegraded, error, Health());
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

            Signal();
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

    /// <summary>One attempt: null when FAISS serves again (restored), else the error.</summary>
    private async Task<string?> AttemptAsync(string how, CancellationToken cancellationToken)
    {
        string? error;
        bool drill;
        DateTimeOffset? drillUntil;
        lock (_sync)
        {
            drill = _tracker.DrillActive;
            drillUntil = _tracker.DrillUntil;
        }

        try
        {
            error = drill
                ? $"drill active until {drillUntil:O}"
                : await _activator.ActivateAsync(trySaved: false, cancellationToken);
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
            _index.Detach();
            LogAttemptFailed(how, error);
            await PersistAsync();
            Signal();
        }
        else if (transition is not null)
        {
            await RecordAsync(transition, lasted, opened);
        }

        return error;
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
        Signal();
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
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or StackExchange.Redis.RedisException)
        {
            LogPersistFailed(exception, _store.Backend);
        }
        finally
        {
            _persist.Release();
        }
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_sync)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
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
