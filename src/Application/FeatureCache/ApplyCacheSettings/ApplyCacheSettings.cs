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
/// A change of the fleet's record (<see cref="CacheSettingsState.ChangeAsync{T}"/>): when another
/// replica changed the record first, the decision is made again on what it wrote (which, inside
/// its window, is a 409).
/// </summary>
internal sealed class ApplyCacheSettingsHandler(
    CacheSettingsState state, IFeatureCacheMetrics metrics, TimeProvider time)
    : ICommandHandler<ApplyCacheSettingsCommand, Result<CacheApplyDto>>
{
    public async ValueTask<Result<CacheApplyDto>> Handle(ApplyCacheSettingsCommand command, CancellationToken cancellationToken) =>
        await state.ChangeAsync(fleet =>
        {
            var now = time.GetUtcNow();
            var proposed = fleet.History.Current.With(command.Capacity, command.TtlSeconds);
            switch (fleet.History.DecideApply(proposed, now, state.RollbackWindow))
            {
                case ApplyDecision.WindowActive active:
                    metrics.SettingsChanged("apply_refused");
                    return CacheSettingsChange.Refuse(new Problem(ErrorCodes.CacheRollbackWindowActive, "cache_apply",
                        "The last change can still be rolled back; roll it back or wait for its window to close before applying another.",
                        new Dictionary<string, object?> { ["can_rollback_until"] = active.CanRollbackUntil, ["settings_version"] = fleet.Version })
                        .ToResult<CacheApplyDto>());

                case ApplyDecision.Apply apply:
                    return CacheSettingsChange.Commit(apply.Next, (written, evicted) =>
                    {
                        metrics.SettingsChanged("apply");
                        return new CacheApplyDto(
                            "applied",
                            new AppliedSettingsDto(proposed.Capacity, proposed.TtlSeconds, evicted),
                            CacheSettingsDto.From(apply.Snapshot.Previous),
                            CacheSnapshotDto.From(apply.Snapshot, now),
                            written.Version);
                    });

                default:
                    throw new InvalidOperationException("Unknown apply decision.");
            }
        }, cancellationToken);
}
