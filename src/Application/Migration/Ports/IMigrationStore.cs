using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Fleet;
using CadMl.Application.Vectors.Ports;

namespace CadMl.Application.Migration.Ports;

/// <summary>
/// The durable side of migration: stored vectors read as they are (a row whose length does not
/// fit its declared version is returned, not refused, so it can be reported), the analysis
/// document kept under the same id, batch writes, and the history of runs.
/// </summary>
public interface IMigrationStore
{
    /// <summary>Up to <paramref name="limit"/> vectors, oldest first. Reads only.</summary>
    Task<IReadOnlyList<MigrationSource>> SampleAsync(int limit, CancellationToken cancellationToken);

    /// <summary>The stored vectors among <paramref name="ids"/>; ids without one are simply absent.</summary>
    Task<IReadOnlyList<MigrationSource>> FindAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>How many stored vectors have the earlier v5 layout (<see cref="EarlierLayouts.V5BeforeStrokes"/> values). Reads only.</summary>
    Task<long> CountEarlierLayoutAsync(CancellationToken cancellationToken);

    /// <summary>The newest seq now (0 when empty): a run over "all" stops there, so it always ends.</summary>
    Task<long> LastSeqAsync(CancellationToken cancellationToken);

    /// <summary>The next vectors not at <paramref name="target"/> (or at it in an earlier layout, <see cref="EarlierLayouts"/>) with <paramref name="afterSeq"/> &lt; seq ≤ <paramref name="lastSeq"/>, in seq order.</summary>
    Task<IReadOnlyList<MigrationSource>> PendingAsync(FeatureVersion target, long afterSeq, long lastSeq, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces each changed vector (new seq, same id, meta and creation time) in one transaction
    /// with one generation bump: a batch is on disk entirely or not at all. The result has one
    /// entry per change, null where the row had gone meanwhile. With a <paramref name="fence"/> the
    /// batch is written only while that lease is still held with its epoch, checked in the same
    /// transaction; otherwise nothing is written and the result says <see cref="MigrationBatchWrite.LeaseLost"/>.
    /// </summary>
    Task<MigrationBatchWrite> WriteAsync(IReadOnlyList<MigrationChange> changes, FleetLease? fence, CancellationToken cancellationToken);

    Task SaveRunAsync(MigrationRun run, CancellationToken cancellationToken);

    /// <summary>The most recent runs, newest first.</summary>
    Task<IReadOnlyList<MigrationRun>> RecentRunsAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>
/// One stored vector as migration reads it. <see cref="Version"/> is null when the declared
/// version (<see cref="DeclaredVersion"/>) is not one this service knows; <see cref="Values"/>
/// may not fit it. <see cref="Document"/> is the analysis document stored under the same id, and
/// <see cref="DocumentProblem"/> says why one exists but cannot be read. <see cref="Format"/> is the
/// row's format tag (the document's format for an analysis, the client's for a registered vector).
/// </summary>
public sealed record MigrationSource(
    long Seq,
    string Id,
    string DeclaredVersion,
    FeatureVersion? Version,
    IReadOnlyList<double> Values,
    CadDocument? Document,
    string? DocumentProblem,
    string? Format = null);

/// <summary>Move the row <paramref name="Seq"/> (vector <paramref name="Id"/>) to <paramref name="Vector"/>.</summary>
public sealed record MigrationChange(long Seq, string Id, FeatureVector Vector);

public sealed record MigrationBatchWrite(IReadOnlyList<VectorWrite?> Writes, long Generation)
{
    /// <summary>The fencing lease was no longer held: nothing of the batch was written.</summary>
    public bool LeaseLost { get; init; }

    public static MigrationBatchWrite Fenced() => new([], 0) { LeaseLost = true };
}

/// <summary>Counts of a run by outcome; <see cref="Processed"/> is their sum.</summary>
public sealed record MigrationTotals(long Processed, long Migrated, long Downgraded, long Skipped, long NotFound, long Error, long DryRun)
{
    public static readonly MigrationTotals None = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>
/// A finished run as the history keeps it. <see cref="Scope"/> is <c>ids</c> or <c>all</c>;
/// <see cref="Status"/> is <c>completed</c>, <c>completed_with_errors</c>, <c>cancelled</c> or <c>failed</c>.
/// </summary>
public sealed record MigrationRun(
    string MigrationId,
    string ToVersion,
    bool DryRun,
    string Scope,
    int BatchSize,
    int Batches,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double DurationSeconds,
    MigrationTotals Totals,
    string? Error);
