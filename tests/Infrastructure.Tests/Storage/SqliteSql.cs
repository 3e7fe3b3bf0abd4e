using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>Plain SQL for the tests that drive the group-commit writer on a real SQLite file.</summary>
internal static class SqliteSql
{
    /// <summary>Runs <paramref name="sql"/> inside the writer's batch transaction.</summary>
    public static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>A number read through a connection of its own: what is on disk, not in the writer's transaction.</summary>
    public static long ScalarFromAnotherConnection(SqliteDatabase database, string sql)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
