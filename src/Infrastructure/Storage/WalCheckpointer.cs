using CadMl.Application.Common.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Moves committed pages from the WAL into the database file in the background. The writer turns
/// SQLite's commit-time auto-checkpoint off, because that checkpoint (a database-file fsync, and
/// with a large WAL hundreds of milliseconds) would run inside a request's commit. PASSIVE never
/// waits for or blocks the writer or readers; whatever it cannot copy now is copied on a later tick.
/// </summary>
internal sealed partial class WalCheckpointer(
    SqliteDatabase database,
    SqliteWriter writer,
    IOptions<DataOptions> options,
    TimeProvider time,
    ILogger<WalCheckpointer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckpointSeconds), time);
        long checkpointedAt = -1;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var commits = writer.Commits;
                if (commits == checkpointedAt || !database.IsReady)
                {
                    continue;
                }

                try
                {
                    await using var connection = await database.OpenAsync(stoppingToken);
                    await using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                    await command.ExecuteNonQueryAsync(stoppingToken);
                    checkpointedAt = commits;
                }
                catch (SqliteException exception)
                {
                    LogCheckpointFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown; SQLite checkpoints when the last connection closes.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A background WAL checkpoint failed; the next tick retries")]
    private partial void LogCheckpointFailed(Exception exception);
}
