using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The group-commit writer on SQLite. The writer's connection never checkpoints the WAL:
/// <see cref="WalCheckpointer"/> does that off the request path.
/// </summary>
public sealed class SqliteWriter(SqliteDatabase database, ILogger<SqliteWriter> logger)
    : GroupCommitWriter<SqliteConnection, SqliteTransaction>(logger)
{
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
}
