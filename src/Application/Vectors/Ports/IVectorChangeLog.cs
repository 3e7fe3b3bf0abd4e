using CadMl.Domain.Features;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// The store's ordered record of vector changes: one change per store generation, appended in
/// the transaction of the write it describes, with no gaps and in commit order. A derived index
/// that knows the generation it reflects catches up by reading the changes after it. Shaped as
/// "changes after G, at most N" so a store shared by several processes (PostgreSQL) can serve it
/// the same way: a reader keeps its own position and never needs the store to remember it.
/// </summary>
public interface IVectorChangeLog
{
    /// <summary>Up to <paramref name="limit"/> changes with a generation above <paramref name="generation"/>, oldest first.</summary>
    IReadOnlyList<VectorChange> ReadAfter(long generation, int limit);

    /// <summary>
    /// The stored rows with these seqs, for a reader applying changes another process made (the
    /// log names rows, it does not carry their values); a seq removed since is simply absent.
    /// </summary>
    IReadOnlyList<StoredVector> ReadRows(IReadOnlyCollection<long> seqs);

    /// <summary>
    /// Appends the end of a migration run (<see cref="VectorChange.EndsMigration"/>) in its own
    /// transaction and returns its generation: the replicas that did not run the migration hold its
    /// switch rows out of sight until they reach this change, then switch at once.
    /// </summary>
    long AppendMigrationEnd(string migrationId, FeatureVersion target, DateTimeOffset at);

    /// <summary>
    /// Forgets the changes up to and including <paramref name="generation"/>; the caller passes
    /// the oldest generation any reader still needs (<see cref="VectorChangeRetention"/>).
    /// </summary>
    long TrimThrough(long generation);
}

/// <summary>What a change did to the store's vectors.</summary>
public enum VectorChangeKind
{
    /// <summary>A vector was written (and replaced the row of the same id, if <see cref="VectorChange.ReplacedSeq"/>).</summary>
    Insert,

    /// <summary>A vector was deleted; <see cref="VectorChange.Seq"/> is the row removed.</summary>
    Delete,

    /// <summary>
    /// A migration rewrote a vector in another feature version (new row, old row out); without a
    /// replaced row it marks the end of a run instead (<see cref="VectorChange.EndsMigration"/>).
    /// </summary>
    Switch,
}

/// <summary>
/// One generation's change. <see cref="Seq"/> is the row written (or removed, for a delete) in
/// <see cref="Version"/>; <see cref="ReplacedSeq"/> the row an insert or switch replaced.
/// </summary>
public sealed record VectorChange(
    long Generation,
    VectorChangeKind Kind,
    string Id,
    long Seq,
    FeatureVersion Version,
    long? ReplacedSeq,
    FeatureVersion? ReplacedVersion,
    DateTimeOffset At)
{
    /// <summary>
    /// The end of a migration run: a switch row that replaced nothing (seq 0, id = the run's id).
    /// Written as a switch so the stored kinds (and builds that only know them) stay valid: they
    /// find no row with seq 0 and apply nothing.
    /// </summary>
    public bool EndsMigration => Kind == VectorChangeKind.Switch && ReplacedSeq is null;
}
