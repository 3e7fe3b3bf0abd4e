using System.Data.Common;
using CadMl.Infrastructure.Storage.Postgres;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The durable store as an adapter whose statements are the same on both backends uses it: reads
/// on a fresh connection, writes through the process's one group-commit writer. Parameters are
/// written <c>@name</c>, which SQLite and Npgsql both accept, so such a record (idempotency keys,
/// cache settings, leases, desired models) has one adapter instead of one per backend.
/// </summary>
internal interface IStoreDatabase
{
    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work);

    /// <summary>
    /// A one-statement write that need not be ordered with the store's other writes (a replica's
    /// heartbeat). SQLite has one writer per file, so it still goes through the group-commit writer;
    /// on PostgreSQL it runs on its own connection, so it never queues behind, or locks, the
    /// generation counter row that orders vector writes (it may read it: MVCC serves that without waiting).
    /// </summary>
    Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken);
}

internal sealed class SqliteStoreDatabase(SqliteDatabase database, SqliteWriter writer) : IStoreDatabase
{
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work) => writer.WriteAsync((connection, transaction) => work(connection, transaction));

    public Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) =>
        {
            using var command = statement(connection, transaction);
            return command.ExecuteNonQuery();
        });
}

internal sealed class PostgresStoreDatabase(PostgresDatabase database, PostgresWriter writer) : IStoreDatabase
{
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work) => writer.WriteAsync((connection, transaction) => work(connection, transaction));

    public async Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = statement(connection, null);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Parameters the same way on both backends.</summary>
internal static class StoreCommands
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
