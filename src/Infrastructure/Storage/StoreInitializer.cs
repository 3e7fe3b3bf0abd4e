using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Opens and migrates the durable store before the server takes requests. A failure does not
/// crash the process: /ready reports it and /health explains it, so the orchestrator can act.
/// Then the orphan sweep repairs analyses left without their vector by older versions.
/// </summary>
internal sealed partial class StoreInitializer(SqliteDatabase database, OrphanSweep sweep, ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await database.MigrateAsync(cancellationToken);
            LogOpened(SqliteDatabase.SchemaVersion);
            // Before the indexes load from the store, so a repaired vector is searchable at once.
            await sweep.RepairAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable store open at schema version {Version}")]
    private partial void LogOpened(int version);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The durable store could not be opened; the instance stays unready")]
    private partial void LogFailed(Exception exception);
}
