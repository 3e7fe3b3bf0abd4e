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

public sealed record CacheRollbackDto(string Status, CacheSettingsDto Restored, int Evicted, long SettingsVersion);

/// <summary>Decides on a fresh read of the fleet's record, so a rollback works from any replica; commits like apply.</summary>
internal sealed class RollbackCacheHandler(
    CacheSettingsState state, IFeatureCacheMetrics metrics, TimeProvider time)
    : ICommandHandler<RollbackCacheCommand, Result<CacheRollbackDto>>
{
    public async ValueTask<Result<CacheRollbackDto>> Handle(RollbackCacheCommand command, CancellationToken cancellationToken) =>
        await state.ChangeAsync(fleet =>
        {
            switch (fleet.History.DecideRollback(time.GetUtcNow()))
            {
                case RollbackDecision.NothingToRollBack:
                    metrics.SettingsChanged("rollback_refused");
                    return CacheSettingsChange.Refuse(new Problem(ErrorCodes.CacheNoSnapshot, "cache_rollback",
                        "There is no settings change to roll back.",
                        new Dictionary<string, object?> { ["settings_version"] = fleet.Version }).ToResult<CacheRollbackDto>());

                case RollbackDecision.Expired expired:
                    metrics.SettingsChanged("rollback_refused");
                    return CacheSettingsChange.Refuse(new Problem(ErrorCodes.CacheRollbackExpired, "cache_rollback",
                        "The rollback window of the last change has closed; apply the settings you want instead.",
                        new Dictionary<string, object?> { ["expired_at"] = expired.ExpiredAt, ["settings_version"] = fleet.Version })
                        .ToResult<CacheRollbackDto>());

                case RollbackDecision.Restore restore:
                    return CacheSettingsChange.Commit(restore.Next, (written, evicted) =>
                    {
                        metrics.SettingsChanged("rollback");
                        return new CacheRollbackDto("rolled_back", CacheSettingsDto.From(restore.Restored), evicted, written.Version);
                    });

                default:
                    throw new InvalidOperationException("Unknown rollback decision.");
            }
        }, cancellationToken);
}
