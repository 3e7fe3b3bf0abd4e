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

    /// <summary>A migration rewrote a vector in another feature version (new row, old row out).</summary>
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
    DateTimeOffset At);
