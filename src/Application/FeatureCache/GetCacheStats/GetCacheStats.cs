using Ardalis.Result;
using CadMl.Application.FeatureCache.Ports;
using Mediator;

namespace CadMl.Application.FeatureCache.GetCacheStats;

public sealed record GetCacheStatsQuery : IUseCaseQuery<CacheStatsDto>;

public sealed record CacheStatsDto(
    int Size,
    int Capacity,
    int TtlSeconds,
    long Hits,
    long Misses,
    IReadOnlyDictionary<string, long> Evictions,
    double? HitRatio,
    CacheSnapshotDto? Snapshot,
    double RollbackWindowSeconds,
    long SettingsVersion,
    DateTimeOffset? SettingsChangedAt,
    DateTimeOffset? SettingsAppliedAt);

internal sealed class GetCacheStatsHandler(IFeatureCacheControl cache, CacheSettingsState state, TimeProvider time)
    : IQueryHandler<GetCacheStatsQuery, Result<CacheStatsDto>>
{
    public ValueTask<Result<CacheStatsDto>> Handle(GetCacheStatsQuery query, CancellationToken cancellationToken)
    {
        var stats = cache.Statistics();
        var lookups = stats.Hits + stats.Misses;
        var applied = state.Applied;
        var snapshot = applied.History.Snapshot;
        return ValueTask.FromResult(Result.Success(new CacheStatsDto(
            stats.Size,
            stats.Settings.Capacity,
            stats.Settings.TtlSeconds,
            stats.Hits,
            stats.Misses,
            stats.Evictions,
            lookups == 0 ? null : (double)stats.Hits / lookups,
            snapshot is null ? null : CacheSnapshotDto.From(snapshot, time.GetUtcNow()),
            state.RollbackWindow.TotalSeconds,
            applied.Version,
            applied.ChangedAt,
            applied.RunningSince)));
    }
}
