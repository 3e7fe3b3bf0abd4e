using Ardalis.Result;
using Mediator;

namespace CadMl.Application.Faiss.AttemptDueRecovery;

/// <summary>
/// The recovery loop's tick: attempt to bring FAISS back if the policy says an attempt is due
/// (degraded, backoff elapsed, not suppressed, no manual attempt holding the lease).
/// </summary>
public sealed record AttemptDueRecoveryCommand : IUseCaseCommand<RecoveryTickDto>;

/// <summary>How long the loop may sleep before its next tick; a state change wakes it sooner (<see cref="RecoveryWakeup"/>).</summary>
public sealed record RecoveryTickDto(TimeSpan SleepFor);

internal sealed class AttemptDueRecoveryHandler(FaissDegradation degradation) : ICommandHandler<AttemptDueRecoveryCommand, Result<RecoveryTickDto>>
{
    public async ValueTask<Result<RecoveryTickDto>> Handle(AttemptDueRecoveryCommand command, CancellationToken cancellationToken) =>
        Result.Success(new RecoveryTickDto(await degradation.RunDueAttemptAsync(cancellationToken)));
}
