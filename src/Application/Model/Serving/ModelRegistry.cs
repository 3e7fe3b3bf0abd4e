namespace CadMl.Application.Model.Serving;

/// <summary>How the last load attempt ended, for <c>/api/v1/health/model</c> and the readiness check.</summary>
public sealed record ReloadOutcome(
    string Status,
    string? Stage,
    string? Code,
    string? Message,
    string? Path,
    string? ModelVersion,
    DateTimeOffset At,
    double DurationMs);

/// <summary>
/// The serving model of this process. Replacing it is one atomic reference swap: a request sees
/// either the old model or the new one, whole, and a request that leased the old one finishes on
/// it (its session is disposed only when the last lease is returned).
/// </summary>
public sealed class ModelRegistry
{
    private ServingModel? _current;
    private ReloadOutcome? _lastReload;

    public ModelIdentity? Current => Volatile.Read(ref _current)?.Identity;

    public ReloadOutcome? LastReload => Volatile.Read(ref _lastReload);

    /// <summary>A hold on the serving model, or null when none is loaded.</summary>
    public ModelLease? Acquire()
    {
        while (true)
        {
            var model = Volatile.Read(ref _current);
            if (model is null)
            {
                return null;
            }

            // Losing the race with a swap that released the last reference: read the new model.
            if (model.TryAddReference())
            {
                return new ModelLease(model);
            }
        }
    }

    /// <summary>Makes <paramref name="next"/> the serving model and returns the identity it replaced.</summary>
    public ModelIdentity? Swap(ServingModel next)
    {
        var previous = Interlocked.Exchange(ref _current, next);
        previous?.Release();
        return previous?.Identity;
    }

    public void Record(ReloadOutcome outcome) => Volatile.Write(ref _lastReload, outcome);
}
