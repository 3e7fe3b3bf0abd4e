using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.Faiss.GetFaissHealth;
using Mediator;

namespace CadMl.Application.Faiss.RecoverFaiss;

/// <summary>
/// A manual recovery attempt (admin). <paramref name="Force"/> overrides a flap suppression.
/// One at a time: a concurrent request is refused with 409 RECOVERY_IN_PROGRESS, and one that would
/// rebuild while another rebuild holds the fleet's rebuild lease with 409 REBUILD_IN_PROGRESS naming the holder.
/// </summary>
public sealed record RecoverFaissCommand(bool Force = false) : IUseCaseCommand<RecoveryResultDto>, IExclusiveMessage
{
    public string ExclusiveGroup => "faiss_recovery";

    public ErrorCode BusyCode => ErrorCodes.RecoveryInProgress;
}

/// <summary><c>restored</c>, <c>still_degraded</c> (with the error) or <c>not_degraded</c>, and the health after it.</summary>
public sealed record RecoveryResultDto(string Outcome, string? Error, FaissHealthDto Health);

internal sealed class RecoverFaissHandler(FaissDegradation degradation) : ICommandHandler<RecoverFaissCommand, Result<RecoveryResultDto>>
{
    public async ValueTask<Result<RecoveryResultDto>> Handle(RecoverFaissCommand command, CancellationToken cancellationToken)
    {
        var result = await degradation.RecoverAsync(command.Force, cancellationToken);
        return result.Outcome switch
        {
            ManualRecoveryOutcome.Suppressed => new Problem(ErrorCodes.RecoverySuppressed, "recovery",
                "Automatic and manual recovery are suppressed after flapping; retry later or pass force=true.",
                new Dictionary<string, object?>
                {
                    ["suppressed_until_ts"] = result.Health.SuppressedUntilTs,
                    ["suppression_remaining_seconds"] = result.Health.SuppressionRemainingSeconds,
                }).ToResult<RecoveryResultDto>(),
            ManualRecoveryOutcome.InProgress => new Problem(ErrorCodes.RecoveryInProgress, "recovery",
                "A manual recovery attempt is already running.",
                new Dictionary<string, object?> { ["manual_recovery_in_progress"] = true }).ToResult<RecoveryResultDto>(),
            ManualRecoveryOutcome.RebuildInProgress when result.RebuildHolder is { } holder => new Problem(ErrorCodes.RebuildInProgress, ErrorCodes.RebuildInProgress.Stage,
                $"Replica {holder.Holder} is rebuilding its FAISS index; rebuilds run one at a time across the fleet, so retry when it ends (at the latest when its lease lapses).",
                new Dictionary<string, object?> { ["holder"] = holder.Holder, ["epoch"] = holder.Epoch, ["lease_expires_at"] = holder.ExpiresAt })
                .ToResult<RecoveryResultDto>(),
            _ => Result.Success(new RecoveryResultDto(Name(result.Outcome), result.Error, result.Health)),
        };
    }

    private static string Name(ManualRecoveryOutcome outcome) => outcome switch
    {
        ManualRecoveryOutcome.Restored => "restored",
        ManualRecoveryOutcome.StillDegraded => "still_degraded",
        _ => "not_degraded",
    };
}
