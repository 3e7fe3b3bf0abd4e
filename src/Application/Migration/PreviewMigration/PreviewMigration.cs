using Ardalis.Result;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;
using Mediator;

namespace CadMl.Application.Migration.PreviewMigration;

/// <summary>
/// A dry estimate of moving stored vectors to <paramref name="ToVersion"/>: counts by version over
/// the whole store, and the plan for the <paramref name="Limit"/> oldest vectors with its statistics
/// and warnings. Reads only; nothing is written, not even the store generation.
/// </summary>
public sealed record PreviewMigrationQuery(string? ToVersion, int Limit = PreviewMigrationQuery.DefaultLimit) : IUseCaseQuery<MigrationPreviewDto>
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;
}

internal sealed class PreviewMigrationHandler(IVectorStore vectors, IMigrationStore store) : IQueryHandler<PreviewMigrationQuery, Result<MigrationPreviewDto>>
{
    public async ValueTask<Result<MigrationPreviewDto>> Handle(PreviewMigrationQuery query, CancellationToken cancellationToken)
    {
        var target = FeatureVersions.Parse(query.ToVersion!);
        var stats = await vectors.StatsAsync(cancellationToken);
        var sample = await store.SampleAsync(query.Limit, cancellationToken);
        var plans = sample.Select(source => MigrationRules.Plan(source, target)).ToList();
        var summary = MigrationPlanner.Summarise(plans);
        return Result.Success(new MigrationPreviewDto(
            target.Name(),
            stats.Total,
            stats.ByVersion,
            plans.Count,
            [.. sample.Zip(plans, PreviewItemDto.From)],
            new DimensionChangesDto(summary.Positive, summary.Negative, summary.Zero),
            summary.Feasible,
            summary.AvgDelta,
            summary.MedianDelta,
            summary.Warnings));
    }
}
