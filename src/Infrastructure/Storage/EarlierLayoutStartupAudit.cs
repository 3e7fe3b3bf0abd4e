using CadMl.Application.Migration.AuditEarlierLayouts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Once the store has opened at start, counts the vectors an earlier release left in an earlier
/// layout (the audit logs what to do and sets the gauge). A store that did not open is reported
/// by its own checks; the gauge is then set by the first migration run instead. Never stops start-up.
/// </summary>
internal sealed partial class EarlierLayoutStartupAudit(StoreStatus store, IServiceScopeFactory scopes, ILogger<EarlierLayoutStartupAudit> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!store.IsReady)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new AuditEarlierLayoutsCommand(), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Counting stored vectors of an earlier layout failed at start; the next migration run counts them")]
    private partial void LogFailed(Exception exception);
}
