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
/// When a tick leaves <see cref="ResetFrames"/> or more frames in the WAL, it asks the writer to
/// finish the copy between two batches so the WAL starts over (<see cref="SqliteWriter.RequestWalReset"/>):
/// without that, continuous writes grow the WAL file without bound.
/// </summary>
internal sealed partial class WalCheckpointer(
    SqliteDatabase database,
    SqliteWriter writer,
    StoreMetrics metrics,
    IOptions<DataOptions> options,
    TimeProvider time,
    ILogger<WalCheckpointer> logger)
    : BackgroundService
{
    /// <summary>
    /// 4 MiB of 4-KiB pages. Below it a restart saves too little disk to be worth the writer's
    /// extra database fsync; above it the WAL is held to about this plus one tick's writes.
    /// </summary>
    public const long ResetFrames = 1024;

    private long _checkpointedAt = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckpointSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckpointAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown; SQLite checkpoints when the last connection closes.
        }
    }

    /// <summary>One tick: a PASSIVE checkpoint if anything was committed since the last one.</summary>
    internal async Task CheckpointAsync(CancellationToken cancellationToken)
    {
        var commits = writer.Commits;
        if (commits == _checkpointedAt || !database.IsReady)
        {
            return;
        }

        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var checkpoint = WalCheckpoint.Passive(connection);
            _checkpointedAt = commits;
            metrics.WalCheckpointed(checkpoint.Frames);
            if (checkpoint.Frames >= ResetFrames)
            {
                writer.RequestWalReset();
            }
        }
        catch (SqliteException exception)
        {
            LogCheckpointFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A background WAL checkpoint failed; the next tick retries")]
    private partial void LogCheckpointFailed(Exception exception);
}
