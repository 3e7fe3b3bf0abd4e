using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The group-commit writer on SQLite. The writer's connection never checkpoints the WAL on
/// commit: <see cref="WalCheckpointer"/> copies the WAL into the database file off the request
/// path, and asks the writer for the last step only when the WAL must restart (<see cref="RequestWalReset"/>).
/// </summary>
public sealed partial class SqliteWriter(SqliteDatabase database, ILogger<SqliteWriter> logger)
    : GroupCommitWriter<SqliteConnection, SqliteTransaction>(logger)
{
    private readonly ILogger<SqliteWriter> _logger = logger;
    private int _resetRequested;

    /// <summary>
    /// Asks the writer to bring the checkpoint up to its last commit, between two batches. SQLite
    /// starts the WAL file over only when a write transaction begins with every frame already
    /// copied; under continuous writes a background checkpoint never sees that moment (a batch is
    /// always in flight, adding frames it cannot copy yet), and the WAL grew by ~50 MB a second at
    /// 8,000 registrations a second, then cost a multi-hundred-millisecond truncation when load
    /// paused. Between batches no write is in flight, so the writer's own checkpoint copies what
    /// the background pass left (the frames of about one tick) and the next batch restarts the WAL.
    /// </summary>
    public void RequestWalReset() => Volatile.Write(ref _resetRequested, 1);

    /// <summary>The outcome of the last catch-up the writer ran (read by tests); null before the first.</summary>
    internal WalCheckpoint? LastReset { get; private set; }

    protected override SqliteConnection Open()
    {
        var connection = database.Open();
        using var command = connection.CreateCommand();
        // Checkpointing on commit would put a multi-millisecond (at times multi-hundred) database
        // fsync in front of every waiting caller; the background checkpointer owns it instead.
        // journal_size_limit trims the WAL file after a reset so one burst does not keep it large.
        command.CommandText = "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;";
        command.ExecuteNonQuery();
        return connection;
    }

    protected override void AfterCommit(SqliteConnection connection)
    {
        if (Interlocked.Exchange(ref _resetRequested, 0) == 0)
        {
            return;
        }

        try
        {
            LastReset = WalCheckpoint.Passive(connection);
        }
        catch (SqliteException exception)
        {
            // The commit is already durable; the background checkpointer asks again on its next tick.
            LogResetFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The writer's WAL catch-up checkpoint failed; the next checkpoint tick asks again")]
    private partial void LogResetFailed(Exception exception);
}

/// <summary>
/// What one <c>PRAGMA wal_checkpoint(PASSIVE)</c> reported: frames in the WAL, and how many of
/// them are now copied into the database file. PASSIVE never waits for the writer or readers.
/// </summary>
internal readonly record struct WalCheckpoint(bool Busy, long Frames, long Copied)
{
    /// <summary>Every frame copied: the next write transaction starts the WAL over.</summary>
    public bool Complete => !Busy && Frames == Copied;

    public static WalCheckpoint Passive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        reader.Read();
        return new WalCheckpoint(reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }
}
