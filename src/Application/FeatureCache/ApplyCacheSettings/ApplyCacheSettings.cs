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

public sealed record CacheApplyDto(string Status, AppliedSettingsDto Applied, CacheSettingsDto Previous, CacheSnapshotDto Snapshot);

public sealed record AppliedSettingsDto(int Capacity, int TtlSeconds, int Evicted);

internal sealed class ApplyCacheSettingsHandler(
    CacheSettingsState state, IFeatureCacheControl cache, IFeatureCacheMetrics metrics, TimeProvider time)
    : ICommandHandler<ApplyCacheSettingsCommand, Result<CacheApplyDto>>
{
    public ValueTask<Result<CacheApplyDto>> Handle(ApplyCacheSettingsCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var history = state.History;
        var proposed = history.Current.With(command.Capacity, command.TtlSeconds);
        switch (history.DecideApply(proposed, now, state.RollbackWindow))
        {
            case ApplyDecision.WindowActive active:
                metrics.SettingsChanged("apply_refused");
                return ValueTask.FromResult(new Problem(ErrorCodes.CacheRollbackWindowActive, "cache_apply",
                    "The last change can still be rolled back; roll it back or wait for its window to close before applying another.",
                    new Dictionary<string, object?> { ["can_rollback_until"] = active.CanRollbackUntil }).ToResult<CacheApplyDto>());

            case ApplyDecision.Apply apply:
                state.Commit(apply.Next);
                var evicted = cache.Reconfigure(apply.Next.Current);
                metrics.SettingsChanged("apply");
                return ValueTask.FromResult(Result.Success(new CacheApplyDto(
                    "applied",
                    new AppliedSettingsDto(proposed.Capacity, proposed.TtlSeconds, evicted),
                    CacheSettingsDto.From(apply.Snapshot.Previous),
                    CacheSnapshotDto.From(apply.Snapshot, now))));

            default:
                throw new InvalidOperationException("Unknown apply decision.");
        }
    }
}
