using Ardalis.Result;
using CadMl.Application.Faiss.GetFaissHealth;
using FluentValidation;
using Mediator;

namespace CadMl.Application.Faiss.DegradeFaiss;

/// <summary>
/// Staging drill (admin): degrade the similarity backend on purpose. Searches move to exact,
/// one degraded event is recorded, and recovery attempts fail until the duration has passed.
/// </summary>
public sealed record DegradeFaissCommand(string Reason = "drill", double DurationSeconds = 60) : IUseCaseCommand<FaissHealthDto>;

internal sealed class DegradeFaissValidator : AbstractValidator<DegradeFaissCommand>
{
    public const double MaxDurationSeconds = 86_400;

    public DegradeFaissValidator()
    {
        RuleFor(c => c.Reason).NotEmpty().MaximumLength(200);
        RuleFor(c => c.DurationSeconds).GreaterThan(0).LessThanOrEqualTo(MaxDurationSeconds);
    }
}

internal sealed class DegradeFaissHandler(FaissDegradation degradation) : ICommandHandler<DegradeFaissCommand, Result<FaissHealthDto>>
{
    public async ValueTask<Result<FaissHealthDto>> Handle(DegradeFaissCommand command, CancellationToken cancellationToken) =>
        Result.Success(await degradation.DrillAsync(command.Reason, TimeSpan.FromSeconds(command.DurationSeconds), cancellationToken));
}
