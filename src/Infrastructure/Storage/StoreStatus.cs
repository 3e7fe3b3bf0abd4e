using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// What the durable store can do right now, whichever backend holds it (SQLite or PostgreSQL):
/// one per process, set by the backend's initialiser and fault classifier, read by the readiness
/// probe, the metrics and every adapter before it serves. The condition is replaced whole and read
/// with one reference read, so a reader never sees half of a transition.
/// </summary>
/// <param name="backend">The name of the backend (<c>sqlite</c>, <c>postgres</c>) as STORE_BACKEND spells it.</param>
/// <param name="schemaVersion">The schema version this build knows for that backend.</param>
public sealed class StoreStatus(string backend = "sqlite", int schemaVersion = 0)
{
    private StoreCondition _condition = StoreCondition.Opening;
    private StoreCondition? _beforeOutage;
    private volatile string? _storeId;

    public string Backend => backend;

    public int SchemaVersion => schemaVersion;

    public bool IsReady => Condition.State == StoreState.Open;

    public StoreCondition Condition => Volatile.Read(ref _condition);

    /// <summary>The store's identity once it is open; null before.</summary>
    public string? StoreId => _storeId;

    public void MarkOpen(string storeId, string detail, IReadOnlyDictionary<string, object?> facts)
    {
        _storeId = storeId;
        Volatile.Write(ref _condition, new StoreCondition(StoreState.Open, "STORE_OPEN", detail, facts));
    }

    public void MarkRefused(string code, string detail, IReadOnlyDictionary<string, object?> facts) =>
        Volatile.Write(ref _condition, new StoreCondition(StoreState.Refused, code, detail, facts));

    public void MarkFailed(string detail, IReadOnlyDictionary<string, object?>? facts = null) =>
        Volatile.Write(ref _condition, new StoreCondition(StoreState.Failed, ErrorCodes.StoreUnavailable.Name, detail, facts ?? new Dictionary<string, object?>()));

    /// <summary>
    /// An open store stopped answering (a shared server went away after start): unready until
    /// <see cref="MarkReachable"/>. Only from Open, and atomically, so it never overwrites a refusal
    /// or damage reported meanwhile. True when this call made the transition.
    /// </summary>
    public bool MarkUnreachable(string detail, IReadOnlyDictionary<string, object?> facts)
    {
        var current = Condition;
        if (current.State != StoreState.Open)
        {
            return false;
        }

        _beforeOutage = current;
        var outage = new StoreCondition(StoreState.Unreachable, ErrorCodes.StoreUnavailable.Name, detail, facts);
        return ReferenceEquals(Interlocked.CompareExchange(ref _condition, outage, current), current);
    }

    /// <summary>The store answers again: back to the open condition it had before the outage. True when this call made the transition.</summary>
    public bool MarkReachable()
    {
        var current = Condition;
        if (current.State != StoreState.Unreachable || _beforeOutage is not { } open)
        {
            return false;
        }

        return ReferenceEquals(Interlocked.CompareExchange(ref _condition, open, current), current);
    }

    /// <summary>The first report of damage wins: it is the one that says where it was first seen.</summary>
    public bool MarkDamaged(string detail, IReadOnlyDictionary<string, object?>? facts = null)
    {
        var current = Condition;
        if (current.State == StoreState.Damaged)
        {
            return false;
        }

        Volatile.Write(ref _condition, new StoreCondition(StoreState.Damaged, ErrorCodes.StoreDamaged.Name, detail, facts ?? new Dictionary<string, object?>()));
        return true;
    }

    /// <summary>Refuses (503 with the reason) unless the store is open.</summary>
    public void EnsureOpen()
    {
        var condition = Condition;
        if (condition.State != StoreState.Open)
        {
            throw new StoreUnavailableException(condition.ToProblem());
        }
    }
}

public enum StoreState
{
    Opening,
    Open,
    Refused,
    Damaged,
    Failed,

    /// <summary>Was open; the shared server stopped answering. Reverts to Open by itself when it answers again.</summary>
    Unreachable,
}

/// <summary>What the durable store can do right now and why; replaced whole, read with one reference read.</summary>
public sealed record StoreCondition(StoreState State, string Code, string Detail, IReadOnlyDictionary<string, object?> Facts)
{
    public static StoreCondition Opening { get; } =
        new(StoreState.Opening, ErrorCodes.StoreOpening.Name, "the durable store is still opening", new Dictionary<string, object?>());

    /// <summary>
    /// Refusals carry the start-up rule's code (a Domain string, catalogued in
    /// <see cref="ErrorCodes"/>); every other condition is one of the store codes set above.
    /// </summary>
    public Problem ToProblem() =>
        new(ErrorCodes.Find(Code) ?? ErrorCodes.StoreUnavailable, "store", $"The durable store is unavailable: {Detail}.", Facts);
}
