using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using Mediator;

namespace CadMl.Application.FeatureCache.ApplyCacheSettings;

/// <summary>Change capacity and/or TTL of the live cache, keeping the previous settings for rollback.</summary>
public sealed record ApplyCacheSettingsCommand(int? Capacity, int? TtlSeconds) : IUseCaseCommand<CacheApplyDto>, IExclusiveMessage
{
    public string ExclusiveGroup => CacheSettingsGate.Group;

    public ErrorCode BusyCode => CacheSettingsGate.BusyCode;
}

public sealed record CacheApplyDto(string Status, AppliedSettingsDto Applied, CacheSettingsDto Previous, CacheSnapshotDto Snapshot, long SettingsVersion);

public sealed record AppliedSettingsDto(int Capacity, int TtlSeconds, int Evicted);

/// <summary>
/// Decides on a fresh read of the fleet's record and commits with compare-and-set on its version:
/// when another replica changed the record in between, the decision is made again on what it
/// wrote (which, inside its window, is a 409). The replica that applied runs the new settings at
/// once; the others converge on their next poll.
/// </summary>
internal sealed class ApplyCacheSettingsHandler(
    CacheSettingsState state, IFeatureCacheMetrics metrics, TimeProvider time)
    : ICommandHandler<ApplyCacheSettingsCommand, Result<CacheApplyDto>>
{
    public async ValueTask<Result<CacheApplyDto>> Handle(ApplyCacheSettingsCommand command, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < CacheSettingsGate.Attempts; attempt++)
        {
            var now = time.GetUtcNow();
            var fleet = await state.ReadFleetAsync(cancellationToken);
            var proposed = fleet.History.Current.With(command.Capacity, command.TtlSeconds);
            switch (fleet.History.DecideApply(proposed, now, state.RollbackWindow))
            {
                case ApplyDecision.WindowActive active:
                    metrics.SettingsChanged("apply_refused");
                    return new Problem(ErrorCodes.CacheRollbackWindowActive, "cache_apply",
                        "The last change can still be rolled back; roll it back or wait for its window to close before applying another.",
                        new Dictionary<string, object?> { ["can_rollback_until"] = active.CanRollbackUntil, ["settings_version"] = fleet.Version })
                        .ToResult<CacheApplyDto>();

                case ApplyDecision.Apply apply:
                    if (await state.ReplaceAsync(fleet.Version, apply.Next, cancellationToken) is not { } written)
                    {
                        continue;
                    }

                    var evicted = state.Publish(written);
                    metrics.SettingsChanged("apply");
                    return Result.Success(new CacheApplyDto(
                        "applied",
                        new AppliedSettingsDto(proposed.Capacity, proposed.TtlSeconds, evicted),
                        CacheSettingsDto.From(apply.Snapshot.Previous),
                        CacheSnapshotDto.From(apply.Snapshot, now),
                        written.Version));

                default:
                    throw new InvalidOperationException("Unknown apply decision.");
            }
        }

        return CacheSettingsGate.Contended<CacheApplyDto>();
    }
}
