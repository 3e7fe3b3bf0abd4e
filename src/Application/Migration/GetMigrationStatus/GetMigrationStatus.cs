using Ardalis.Result;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Migration.GetMigrationStatus;

/// <summary>The run in progress (if any), the most recent runs, and how many vectors are at each version now.</summary>
public sealed record GetMigrationStatusQuery : IUseCaseQuery<MigrationStatusDto>
{
    public const int RecentRuns = 20;
}

internal sealed class GetMigrationStatusHandler(IVectorStore vectors, IMigrationStore store, MigrationProgress progress)
    : IQueryHandler<GetMigrationStatusQuery, Result<MigrationStatusDto>>
{
    public async ValueTask<Result<MigrationStatusDto>> Handle(GetMigrationStatusQuery query, CancellationToken cancellationToken)
    {
        var stats = await vectors.StatsAsync(cancellationToken);
        var runs = await store.RecentRunsAsync(GetMigrationStatusQuery.RecentRuns, cancellationToken);
        return Result.Success(new MigrationStatusDto(progress.Current, stats.Total, stats.ByVersion, [.. runs.Select(MigrationRunDto.From)]));
    }
}
