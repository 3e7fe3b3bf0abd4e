using CadMl.Application.Migration.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Application.Migration.MigrateVectors;

/// <summary>A finished run: its record and the items it reports (<see cref="ItemsTruncated"/> when there were more).</summary>
public sealed record MigrationResultDto(
    string MigrationId,
    string Status,
    string ToVersion,
    bool DryRun,
    string Scope,
    int BatchSize,
    int Batches,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double DurationSeconds,
    MigrationTotalsDto Totals,
    IReadOnlyList<MigrationItemDto> Items,
    bool ItemsTruncated,
    string? Error)
{
    public static MigrationResultDto From(MigrationRun run, IReadOnlyList<MigrationItemDto> items, bool truncated) => new(
        run.MigrationId, run.Status, run.ToVersion, run.DryRun, run.Scope, run.BatchSize, run.Batches,
        run.StartedAt, run.FinishedAt, run.DurationSeconds, MigrationTotalsDto.From(run.Totals), [.. items], truncated, run.Error);
}

/// <summary>
/// One vector's outcome. <see cref="FromVersion"/> is the version the row declared (null for an
/// id that has no vector); <see cref="Method"/> says how a moved vector got its values.
/// </summary>
public sealed record MigrationItemDto(
    string Id,
    MigrationOutcome Status,
    string? FromVersion,
    string ToVersion,
    int? DimensionBefore,
    int? DimensionAfter,
    MigrationMethod? Method,
    string? Error)
{
    public static MigrationItemDto From(MigrationSource source, MigrationPlanItem plan, MigrationOutcome outcome) => new(
        source.Id, outcome, source.DeclaredVersion, plan.To.Name(), plan.DimensionBefore, plan.DimensionAfter, plan.Method, plan.Error);

    public static MigrationItemDto NotFound(string id, FeatureVersion target) =>
        new(id, MigrationOutcome.NotFound, null, target.Name(), null, null, null, "no vector has this id");
}
