using Ardalis.Result;
using CadMl.Application.Migration.Ports;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Logging;

namespace CadMl.Application.Migration.AuditEarlierLayouts;

/// <summary>
/// Counts the stored vectors of an earlier layout (<see cref="EarlierLayouts"/>: v5 with 73 slots,
/// written before an upgrade), which similarity search leaves out; sets the gauge and, when there
/// are any, logs once what the operator does about them. Sent at start-up and after each migration run.
/// </summary>
public sealed record AuditEarlierLayoutsCommand : IUseCaseCommand<long>;

internal sealed partial class AuditEarlierLayoutsHandler(IMigrationStore store, IMigrationMetrics metrics, ILogger<AuditEarlierLayoutsHandler> logger)
    : ICommandHandler<AuditEarlierLayoutsCommand, Result<long>>
{
    public async ValueTask<Result<long>> Handle(AuditEarlierLayoutsCommand command, CancellationToken cancellationToken)
    {
        var count = await store.CountEarlierLayoutAsync(cancellationToken);
        metrics.EarlierLayout(FeatureVersion.V5, count);
        if (count > 0)
        {
            LogEarlierLayout(count, EarlierLayouts.V5BeforeStrokes, FeatureVersion.V5.Dimension());
        }

        return Result.Success(count);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "{Count} stored v5 vector(s) have the earlier {Earlier}-slot layout (v5 now has {Current}) and are left out of similarity search. "
        + "POST /api/v1/vectors/migrate with to_version v5 moves the STEP, IGES and STL ones exactly; DXF drawings need their files analysed again. "
        + "GET /api/v1/vectors/migrate/preview?to_version=v5 lists them (docs/FEATURES_V5.md, Upgrading from 73 slots).")]
    private partial void LogEarlierLayout(long count, int earlier, int current);
}
