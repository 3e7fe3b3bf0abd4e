namespace CadMl.Domain.Storage;

/// <summary>
/// What the data folder holds at start-up, before anything is created or rebuilt.
/// <see cref="DatabaseStoreId"/> is null when the database file is missing, empty or has no
/// schema yet (a store that would be created now). The snapshot members describe the saved
/// FAISS index manifest; a legacy manifest has no store id.
/// </summary>
public sealed record StoreObservation(
    string? DatabaseStoreId,
    long DatabaseGeneration,
    string? RecordedStoreId,
    bool HasSnapshot,
    string? SnapshotStoreId,
    long SnapshotGeneration,
    long SnapshotVectors);

public enum StoreStartupOutcome
{
    /// <summary>The store and every artefact next to it belong together (or there are none): open it.</summary>
    Open,

    /// <summary>No store, but artefacts of a non-empty one: a lost database or a mis-mounted volume.</summary>
    Missing,

    /// <summary>The database belongs to another store than the artefacts next to it.</summary>
    IdentityMismatch,

    /// <summary>The database is behind a snapshot of itself: acknowledged writes were lost (deleted WAL, old copy).</summary>
    RolledBack,
}

/// <summary>
/// The verdict on a data folder. Anything but <see cref="StoreStartupOutcome.Open"/> keeps the
/// instance unready and touches nothing, unless the operator accepted the loss of
/// <see cref="LostStore"/>; then the artefacts that do not belong to the database are moved
/// aside (<see cref="MoveAside"/>), never deleted.
/// </summary>
public sealed record StoreVerdict(StoreStartupOutcome Outcome, string Code, string Reason, string? LostStore, bool Accepted)
{
    public bool Opens => Outcome == StoreStartupOutcome.Open || Accepted;

    public bool MoveAside => Outcome != StoreStartupOutcome.Open && Accepted;
}

/// <summary>
/// Never start healthy on a lost store: an empty service next to the index of a full one is a
/// mis-mounted volume or a lost file until an operator says otherwise, and rebuilding the index
/// from the empty store would destroy the last copy of the vectors.
/// </summary>
public static class StoreStartupRule
{
    public const string MissingCode = "STORE_MISSING";
    public const string MismatchCode = "STORE_IDENTITY_MISMATCH";
    public const string RolledBackCode = "STORE_ROLLED_BACK";

    /// <summary>The token that names a lost store whose id is unknown (a snapshot written before store ids existed).</summary>
    public const string UnknownStore = "unidentified";

    /// <param name="observation">What the data folder holds.</param>
    /// <param name="acceptLossOf">The operator's explicit acceptance: the lost store's id (or <see cref="UnknownStore"/>), or null.</param>
    public static StoreVerdict Decide(StoreObservation observation, string? acceptLossOf)
    {
        var verdict = Judge(observation);
        return verdict.LostStore is { } lost && string.Equals(acceptLossOf?.Trim(), lost, StringComparison.Ordinal)
            ? verdict with { Accepted = true }
            : verdict;
    }

    private static StoreVerdict Judge(StoreObservation o)
    {
        var snapshotHoldsData = o.HasSnapshot && (o.SnapshotGeneration > 0 || o.SnapshotVectors > 0);
        if (o.DatabaseStoreId is null)
        {
            if (o.RecordedStoreId is { } recorded)
            {
                return Refuse(StoreStartupOutcome.Missing, MissingCode,
                    $"the database is missing or empty, but this data folder belongs to store {recorded}", recorded);
            }

            return snapshotHoldsData
                ? Refuse(StoreStartupOutcome.Missing, MissingCode,
                    $"the database is missing or empty, but a saved index of {o.SnapshotVectors} vectors at generation {o.SnapshotGeneration} is here",
                    o.SnapshotStoreId ?? UnknownStore)
                : Open("a new store");
        }

        var id = o.DatabaseStoreId;
        if (o.RecordedStoreId is { } owner && owner != id)
        {
            return Refuse(StoreStartupOutcome.IdentityMismatch, MismatchCode,
                $"the database is store {id}, but this data folder belongs to store {owner}", owner);
        }

        if (o.HasSnapshot && o.SnapshotStoreId is { } snapshotOwner && snapshotOwner != id)
        {
            return Refuse(StoreStartupOutcome.IdentityMismatch, MismatchCode,
                $"the database is store {id}, but the saved index belongs to store {snapshotOwner}", snapshotOwner);
        }

        // Generations only grow, so a snapshot of this very store that is ahead of the database
        // means the database lost committed transactions.
        var snapshotIsOurs = o.SnapshotStoreId == id || (o.SnapshotStoreId is null && o.RecordedStoreId is null);
        if (o.HasSnapshot && snapshotIsOurs && o.SnapshotGeneration > o.DatabaseGeneration)
        {
            return Refuse(StoreStartupOutcome.RolledBack, RolledBackCode,
                $"the database is at generation {o.DatabaseGeneration}, behind its own saved index at generation {o.SnapshotGeneration}: acknowledged writes are missing",
                id);
        }

        return Open($"store {id} at generation {o.DatabaseGeneration}");
    }

    private static StoreVerdict Open(string reason) => new(StoreStartupOutcome.Open, "STORE_OPEN", reason, null, false);

    private static StoreVerdict Refuse(StoreStartupOutcome outcome, string code, string reason, string lost) => new(outcome, code, reason, lost, false);
}
