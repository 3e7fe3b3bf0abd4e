using CadMl.Application.Migration.Ports;

namespace CadMl.Application.Migration.GetMigrationStatus;

/// <summary><see cref="Running"/> is null when no migration runs; <see cref="Runs"/> are newest first.</summary>
public sealed record MigrationStatusDto(
    RunningMigrationDto? Running,
    long TotalVectors,
    IReadOnlyDictionary<string, long> ByVersion,
    IReadOnlyList<MigrationRunDto> Runs);

/// <summary>
/// A finished run as the history keeps it. <see cref="Scope"/> is <c>ids</c> or <c>all</c>;
/// <see cref="Status"/> is <c>completed</c>, <c>completed_with_errors</c>, <c>cancelled</c> or <c>failed</c>.
/// </summary>
public sealed record MigrationRunDto(
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
    MigrationTotalsDto Totals,
    string? Error)
{
    public static MigrationRunDto From(MigrationRun run) => new(
        run.MigrationId, run.ToVersion, run.DryRun, run.Scope, run.BatchSize, run.Batches, run.Status,
        run.StartedAt, run.FinishedAt, run.DurationSeconds, MigrationTotalsDto.From(run.Totals), run.Error);
}
