using System.Data;
using System.Data.Common;
using System.Globalization;
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

    /// <summary>
    /// Whether a read can keep the rows it read locked to the end of its transaction (<c>FOR UPDATE</c>).
    /// PostgreSQL needs it to fence concurrent writers; SQLite has no such clause and needs none, because a
    /// write transaction there already holds the database's one write lock.
    /// </summary>
    bool LocksReadRows { get; }

    /// <summary>Fails with the store's own fault when it is not open, so a request is refused before it does any work.</summary>
    void EnsureServing();

    Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    DbConnection Open();

    /// <summary>A read-only transaction whose statements all see one moment (counts and a page of rows that agree).</summary>
    Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// A write transaction outside the group-commit writer that may advance the vector generation:
    /// it holds what orders vector writes (SQLite's write lock, PostgreSQL's generation row) from its start.
    /// </summary>
    DbTransaction BeginVectorWrite(DbConnection connection);

    /// <summary>One write in the group-commit writer's next batch; <paramref name="committed"/> runs once it is durable.</summary>
    Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null);

    /// <summary>Completes once every write queued before it is durable.</summary>
    Task DrainAsync();

    /// <summary>
    /// A one-statement write that need not be ordered with the store's other writes (a replica's
    /// heartbeat). SQLite has one writer per file, so it still goes through the group-commit writer;
    /// on PostgreSQL it runs on its own connection, so it never queues behind, or locks, the
    /// generation counter row that orders vector writes (it may read it: MVCC serves that without waiting).
    /// </summary>
    Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken);

    /// <summary>The vector row under <paramref name="id"/> replaced inside the caller's write, with its change-log row.</summary>
    VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at);

    /// <summary>
    /// The row at <paramref name="seq"/> moved to a new seq with <paramref name="vector"/>'s values and
    /// version, keeping its id, metadata and creation time; null when no row has that seq. No change-log row.
    /// </summary>
    MovedVectorRow? MoveVector(DbConnection connection, DbTransaction transaction, long seq, FeatureVector vector);

    /// <summary>The statement that bumps the vector generation and writes its change row (<see cref="VectorChangeRows.Append"/>).</summary>
    string AppendChangeStatement { get; }
}

/// <summary>What a moved vector row was before the move (its version) and kept (metadata, creation time), as stored.</summary>
internal readonly record struct MovedVectorRow(long Seq, string ReplacedVersion, string Meta, string CreatedAt);

internal sealed class SqliteStoreDatabase(SqliteDatabase database, SqliteWriter writer) : IStoreDatabase
{
    public string ArrivalColumn => "rowid";

    public bool LocksReadRows => false;

    public void EnsureServing() => database.EnsureOpen();

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public DbConnection Open() => database.Open();

    public Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    // IMMEDIATE (Microsoft.Data.Sqlite's default): the write lock is held from the first read.
    public DbTransaction BeginVectorWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction();

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null) =>
        writer.WriteAsync((connection, transaction) => work(connection, transaction), committed);

    public Task DrainAsync() => writer.DrainAsync();

    public Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken) =>
        WriteAsync((connection, transaction) =>
        {
            using var command = statement(connection, transaction);
            return command.ExecuteNonQuery();
        });

    public VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at) =>
        SqliteVectorWrites.Upsert((SqliteConnection)connection, (SqliteTransaction)transaction, id, vector, meta, at);

    public MovedVectorRow? MoveVector(DbConnection connection, DbTransaction transaction, long seq, FeatureVector vector) =>
        SqliteVectorWrites.Move((SqliteConnection)connection, (SqliteTransaction)transaction, seq, vector);

    public string AppendChangeStatement => SqliteVectorWrites.AppendStatement;
}

internal sealed class PostgresStoreDatabase(PostgresDatabase database, PostgresWriter writer) : IStoreDatabase
{
    public string ArrivalColumn => "ord";

    public bool LocksReadRows => true;

    public void EnsureServing() => database.Status.EnsureOpen();

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await database.OpenAsync(cancellationToken);

    public DbConnection Open() => database.Open();

    public async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

    public DbTransaction BeginVectorWrite(DbConnection connection)
    {
        var transaction = ((NpgsqlConnection)connection).BeginTransaction();
        PostgresWriter.LockGeneration((NpgsqlConnection)connection, transaction);
        return transaction;
    }

    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, T> work, Action<T>? committed = null) =>
        writer.WriteAsync((connection, transaction) => work(connection, transaction), committed);

    public Task DrainAsync() => writer.DrainAsync();

    public async Task WriteUnorderedAsync(Func<DbConnection, DbTransaction?, DbCommand> statement, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = statement(connection, null);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public VectorWrite UpsertVector(DbConnection connection, DbTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at) =>
        PostgresVectorWrites.Upsert((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, id, vector, meta, at);

    public MovedVectorRow? MoveVector(DbConnection connection, DbTransaction transaction, long seq, FeatureVector vector) =>
        PostgresVectorWrites.Move((NpgsqlConnection)connection, (NpgsqlTransaction)transaction, seq, vector);

    public string AppendChangeStatement => PostgresVectorWrites.AppendStatement;
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

    /// <summary>
    /// Adds one parameter per value and returns their placeholders for an <c>IN (...)</c> list. Callers
    /// pass at most <see cref="ListChunk"/> values: both backends bound the parameters of one statement.
    /// </summary>
    public static string AddList<T>(DbCommand command, string prefix, IReadOnlyList<T> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = names[i] = string.Create(CultureInfo.InvariantCulture, $"@{prefix}{i}");
            parameter.Value = values[i];
            command.Parameters.Add(parameter);
        }

        return string.Join(", ", names);
    }

    public const int ListChunk = 500;
}
