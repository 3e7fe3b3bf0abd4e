using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using Mediator;

namespace CadMl.Application.FeatureCache.RollbackCache;

/// <summary>Restore the settings in force before the last change, only inside its rollback window.</summary>
public sealed record RollbackCacheCommand : IUseCaseCommand<CacheRollbackDto>, IExclusiveMessage
{
    public string ExclusiveGroup => CacheSettingsGate.Group;

    public ErrorCode BusyCode => CacheSettingsGate.BusyCode;
}

public sealed record CacheRollbackDto(string Status, CacheSettingsDto Restored, int Evicted);

internal sealed class RollbackCacheHandler(
    CacheSettingsState state, IFeatureCacheControl cache, IFeatureCacheMetrics metrics, TimeProvider time)
    : ICommandHandler<RollbackCacheCommand, Result<CacheRollbackDto>>
{
    public ValueTask<Result<CacheRollbackDto>> Handle(RollbackCacheCommand command, CancellationToken cancellationToken)
    {
        var result = state.History.DecideRollback(time.GetUtcNow()) switch
        {
            RollbackDecision.NothingToRollBack => new Problem(ErrorCodes.CacheNoSnapshot, "cache_rollback",
                "There is no settings change to roll back.").ToResult<CacheRollbackDto>(),
            RollbackDecision.Expired expired => new Problem(ErrorCodes.CacheRollbackExpired, "cache_rollback",
                "The rollback window of the last change has closed; apply the settings you want instead.",
                new Dictionary<string, object?> { ["expired_at"] = expired.ExpiredAt }).ToResult<CacheRollbackDto>(),
            RollbackDecision.Restore restore => Restore(restore),
            _ => throw new InvalidOperationException("Unknown rollback decision."),
        };
        if (!result.IsSuccess)
        {
            metrics.SettingsChanged("rollback_refused");
        }

        return ValueTask.FromResult(result);
    }

    private Result<CacheRollbackDto> Restore(RollbackDecision.Restore restore)
    {
        state.Commit(restore.Next);
        var evicted = cache.Reconfigure(restore.Restored);
        metrics.SettingsChanged("rollback");
        return Result.Success(new CacheRollbackDto("rolled_back", CacheSettingsDto.From(restore.Restored), evicted));
    }
}
