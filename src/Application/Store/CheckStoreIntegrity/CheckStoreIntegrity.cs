using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.Store.Ports;
using Mediator;

namespace CadMl.Application.Store.CheckStoreIntegrity;

/// <summary>
/// The full SQLite <c>integrity_check</c> on demand (start-up runs only the bounded quick_check).
/// A command, not a query: finding damage marks the store damaged and the instance unready.
/// </summary>
public sealed record CheckStoreIntegrityCommand : IUseCaseCommand<IntegrityReportDto>, IExclusiveMessage
{
    public string ExclusiveGroup => "store_integrity_check";

    public ErrorCode BusyCode => ErrorCodes.IntegrityCheckInProgress;
}

internal sealed class CheckStoreIntegrityHandler(IStoreMaintenance maintenance) : ICommandHandler<CheckStoreIntegrityCommand, Result<IntegrityReportDto>>
{
    public async ValueTask<Result<IntegrityReportDto>> Handle(CheckStoreIntegrityCommand command, CancellationToken cancellationToken) =>
        maintenance.Unsupported("integrity_check") is { } unsupported
            ? unsupported.ToResult<IntegrityReportDto>()
            : Result.Success(IntegrityReportDto.From(await maintenance.CheckIntegrityAsync(cancellationToken)));
}
