using System.Data.Common;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Storage.Postgres;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// The durable store as the fleet-wide control records use it (cache settings, leases): reads on
/// a fresh connection, writes through the process's one group-commit writer. The control tables
/// and their statements are the same on both backends (parameters are written <c>@name</c>, which
/// SQLite and Npgsql both accept), so each record has one adapter instead of two.
/// </summary>
internal interface IControlDatabase
{
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work);
}

internal sealed class SqliteControlDatabase(SqliteDatabase database, SqliteWriter writer) : IControlDatabase
{
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work) => writer.WriteAsync((connection, transaction) => work(connection, transaction));
}

internal sealed class PostgresControlDatabase(PostgresDatabase database, PostgresWriter writer) : IControlDatabase
{
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work) => writer.WriteAsync((connection, transaction) => work(connection, transaction));
}

/// <summary>Parameters the same way on both backends.</summary>
internal static class ControlCommands
{
    public static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
