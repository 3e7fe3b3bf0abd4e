using System.Data.Common;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Storage.Postgres;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The durable store as an adapter whose statements are the same on both backends uses it: reads
/// on a fresh connection, writes through the process's one group-commit writer. Parameters are
/// written <c>@name</c>, which SQLite and Npgsql both accept, so such a record (analyses,
/// idempotency keys, heartbeats, cache settings, leases, desired models) has one adapter instead
/// of one per backend; what does differ between the backends is named here.
/// </summary>
internal interface IStoreDatabase
{
    /// <summary>
    /// The column that orders a table's rows by insertion (SQLite's <c>rowid</c>, PostgreSQL's
    /// identity column <c>ord</c>), for "latest first" listings. A fixed name, never user input.
    /// </summary>
    string ArrivalColumn { get; }

    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>One write in the group-commit writer's next batch; <paramref name="committed"/> runs once it is durable.</summary>
    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null);

    /// <summary>The vector row under <paramref name="id"/> replaced inside the caller's write, with its change-log row (the backend's vector store).</summary>
    VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at);

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
    public string ArrivalColumn => "rowid";

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null) =>
        writer.WriteAsync((connection, transaction) => work(connection, transaction), committed);

    public VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at) =>
        SqliteVectorStore.Upsert((SqliteConnection)connection, (SqliteTransaction)transaction, id, vector, meta, at);

    public Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) =>
        {
            using var command = statement(connection, transaction);
            return command.ExecuteNonQuery();
        });
}

internal sealed class PostgresStoreDatabase(PostgresDatabase database, PostgresWriter writer) : IStoreDatabase
{
    public string ArrivalColumn => "ord";

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null) =>
        writer.WriteAsync((connection, transaction) => work(connection, transaction), committed);

    public VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at) =>
        PostgresVectorStore.Upsert((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, id, vector, meta, at);

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
