using Ardalis.Result;
using CadMl.Application.Faiss.GetFaissHealth;
using FluentValidation;
using Mediator;

namespace CadMl.Application.Faiss.ReportFaissFault;

/// <summary>
/// FAISS failed (a native call threw on the request path, or it could not be loaded or built at
/// start): searches move to exact and, for the first report of a degraded period, one degraded
/// event is recorded and recovery is scheduled.
/// </summary>
public sealed record ReportFaissFaultCommand(string Reason) : IUseCaseCommand<FaissHealthDto>;

internal sealed class ReportFaissFaultValidator : AbstractValidator<ReportFaissFaultCommand>
{
    public ReportFaissFaultValidator() => RuleFor(c => c.Reason).NotEmpty();
}

internal sealed class ReportFaissFaultHandler(FaissDegradation degradation) : ICommandHandler<ReportFaissFaultCommand, Result<FaissHealthDto>>
{
    public async ValueTask<Result<FaissHealthDto>> Handle(ReportFaissFaultCommand command, CancellationToken cancellationToken) =>
        Result.Success(await degradation.DegradeAsync(command.Reason, cancellationToken));
}
