using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.Store.Ports;
using Mediator;

namespace CadMl.Application.Store.BackupStore;

/// <summary>
/// An online backup of the durable store into the data folder's <c>backups/</c> as
/// <c>&lt;name&gt;.db</c>; every write acknowledged before the call is in it. Writers keep going.
/// </summary>
public sealed record BackupStoreCommand(string? Name = null) : IUseCaseCommand<BackupReportDto>, IExclusiveMessage
{
    public string ExclusiveGroup => "store_backup";

    public ErrorCode BusyCode => ErrorCodes.BackupInProgress;
}

internal sealed class BackupStoreHandler(IStoreMaintenance maintenance, TimeProvider time) : ICommandHandler<BackupStoreCommand, Result<BackupReportDto>>
{
    public async ValueTask<Result<BackupReportDto>> Handle(BackupStoreCommand command, CancellationToken cancellationToken)
    {
        if (maintenance.Unsupported("backup") is { } unsupported)
        {
            return unsupported.ToResult<BackupReportDto>();
        }

        var name = command.Name ?? $"cadml-{time.GetUtcNow():yyyyMMdd'T'HHmmssfff'Z'}";
        var report = await maintenance.BackupAsync(name, cancellationToken);
        return report is null
            ? new Problem(ErrorCodes.BackupExists, "backup", $"A backup named {name} already exists; backups are never overwritten.",
                new Dictionary<string, object?> { ["name"] = name }).ToResult<BackupReportDto>()
            : Result.Success(BackupReportDto.From(report));
    }
}
