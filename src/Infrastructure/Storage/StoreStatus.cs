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
    private volatile StoreCondition _condition = StoreCondition.Opening;
    private volatile string? _storeId;

    public string Backend => backend;

    public int SchemaVersion => schemaVersion;

    public bool IsReady => _condition.State == StoreState.Open;

    public StoreCondition Condition => _condition;

    /// <summary>The store's identity once it is open; null before.</summary>
    public string? StoreId => _storeId;

    public void MarkOpen(string storeId, string detail, IReadOnlyDictionary<string, object?> facts)
    {
        _storeId = storeId;
        _condition = new StoreCondition(StoreState.Open, "STORE_OPEN", detail, facts);
    }

    public void MarkRefused(string code, string detail, IReadOnlyDictionary<string, object?> facts) =>
        _condition = new StoreCondition(StoreState.Refused, code, detail, facts);

    public void MarkFailed(string detail, IReadOnlyDictionary<string, object?>? facts = null) =>
        _condition = new StoreCondition(StoreState.Failed, ErrorCodes.StoreUnavailable.Name, detail, facts ?? new Dictionary<string, object?>());

    /// <summary>The first report of damage wins: it is the one that says where it was first seen.</summary>
    public bool MarkDamaged(string detail, IReadOnlyDictionary<string, object?>? facts = null)
    {
        var current = _condition;
        if (current.State == StoreState.Damaged)
        {
            return false;
        }

        _condition = new StoreCondition(StoreState.Damaged, ErrorCodes.StoreDamaged.Name, detail, facts ?? new Dictionary<string, object?>());
        return true;
    }

    /// <summary>Refuses (503 with the reason) unless the store is open.</summary>
    public void EnsureOpen()
    {
        var condition = _condition;
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
