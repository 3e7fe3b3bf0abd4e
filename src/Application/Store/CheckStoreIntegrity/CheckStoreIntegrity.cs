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
public sealed record CheckStoreIntegrityCommand : ICommand<Result<IntegrityReport>>, IExclusiveMessage
{
    public string ExclusiveGroup => "store_integrity_check";

    public ErrorCode BusyCode => ErrorCodes.IntegrityCheckInProgress;
}

internal sealed class CheckStoreIntegrityHandler(IStoreMaintenance maintenance) : ICommandHandler<CheckStoreIntegrityCommand, Result<IntegrityReport>>
{
    public async ValueTask<Result<IntegrityReport>> Handle(CheckStoreIntegrityCommand command, CancellationToken cancellationToken) =>
        maintenance.Unsupported("integrity_check") is { } unsupported
            ? unsupported.ToResult<IntegrityReport>()
            : Result.Success(await maintenance.CheckIntegrityAsync(cancellationToken));
}
