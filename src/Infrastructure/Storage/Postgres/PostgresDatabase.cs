using System.Globalization;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// The durable store on a PostgreSQL server that several processes share (STORE_BACKEND=postgres,
/// DATABASE_URL). Commits are durable when they return (the server's <c>synchronous_commit</c>,
/// on by default), so a 2xx still means durable. Schema steps are applied under a session
/// advisory lock, so processes starting together apply each step exactly once, and the store
/// records the oldest build schema it still serves (<see cref="SchemaCompatibilityRule"/>).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>The advisory lock key of schema changes ("CadMlSch" as ASCII); any fixed value no other tool uses.</summary>
    private const long SchemaLockKey = 0x436164_4D6C536368;

    private readonly NpgsqlDataSource _dataSource;
    private readonly StoreStatus _status;

    public PostgresDatabase(IOptions<DataOptions> options, StoreStatus status)
    {
        _status = status;
        _dataSource = NpgsqlDataSource.Create(ConnectionString(options.Value.DatabaseUrl!));
        DataDir = options.Value.FullDataDir;
        Endpoint = EndpointOf(options.Value.DatabaseUrl!);
    }

    public static int SchemaVersion => PostgresSchema.Steps.Count;

    /// <summary>The folder for the artefacts beside the store (index snapshots, the store record).</summary>
    public string DataDir { get; }

    /// <summary>host:port/database, for logs and health: never the user or the password.</summary>
    public string Endpoint { get; }

    public StoreStatus Status => _status;

    /// <summary>
    /// The Npgsql connection string for a <c>postgres://user:password@host:port/database?options</c>
    /// URL. Query options are Npgsql keywords or libpq names Npgsql knows (<c>sslmode</c>).
    /// </summary>
    public static string ConnectionString(string url)
    {
        var uri = new Uri(url.Trim());
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            // A stopped server must turn into a quick 503, not a request held for the default 15 s.
            Timeout = 5,
            CommandTimeout = 30,
            ApplicationName = "cadml",
        };
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            builder[Uri.UnescapeDataString(parts[0])] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
        }

        return builder.ConnectionString;
    }

    private static string EndpointOf(string url)
    {
        var uri = new Uri(url.Trim());
        return $"{uri.Host}:{(uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port)}/{uri.AbsolutePath.Trim('/')}";
    }

    /// <summary>A connection for the use cases; refused (503 with the reason) unless the store is open.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        _status.EnsureOpen();
        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>A connection for the synchronous callers (the group-commit loop, the change log).</summary>
    public NpgsqlConnection Open()
    {
        _status.EnsureOpen();
        return _dataSource.OpenConnection();
    }

    /// <summary>
    /// One round trip to the server outside the store's status (it is how the status learns the
    /// server is back): null when it answered, else why not. Pooled connections from before an
    /// outage are broken, so the pool is cleared whenever the answer changes.
    /// </summary>
    public async Task<string?> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1;", connection) { CommandTimeout = 2 };
            await command.ExecuteScalarAsync(cancellationToken);
            if (_status.Condition.State == StoreState.Unreachable)
            {
                _dataSource.Clear();
            }

            return null;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            _dataSource.Clear();
            return exception.Message;
        }
    }

    /// <summary>
    /// Brings the schema to <paramref name="steps"/> (this build's by default) unless the store is
    /// newer, all under the schema advisory lock; returns the store's schema state and the verdict.
    /// Each step commits in its own transaction together with its record in <c>schema_steps</c>.
    /// </summary>
    public async Task<SchemaState> MigrateAsync(CancellationToken cancellationToken, IReadOnlyList<SchemaStep>? steps = null, string appliedBy = "cadml")
    {
        steps ??= PostgresSchema.Steps;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // Waiting for another process's migration is expected at start; only the lock wait is unbounded by the 30 s default.
        await ExecuteAsync(connection, null, "SET statement_timeout = 0;", cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key);", connection) { CommandTimeout = 0 })
        {
            lockCommand.Parameters.AddWithValue("key", SchemaLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_state (
                    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
                    version        INTEGER NOT NULL,
                    min_compatible INTEGER NOT NULL
                );
                INSERT INTO schema_state (singleton, version, min_compatible) VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
                CREATE TABLE IF NOT EXISTS schema_steps (
                    step       INTEGER PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
                    applied_by TEXT NOT NULL
                );
                """, cancellationToken);
            var state = await ReadSchemaAsync(connection, cancellationToken);
            var verdict = SchemaCompatibilityRule.Decide(state.Version, state.MinCompatible, steps.Count);
            if (verdict.Action != SchemaAction.Upgrade)
            {
                return state with { Verdict = verdict };
            }

            for (var next = state.Version; next < steps.Count; next++)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, steps[next].Sql, cancellationToken);
                await using var record = new NpgsqlCommand("""
                    INSERT INTO schema_steps (step, applied_by) VALUES (@step, @by);
                    UPDATE schema_state SET version = @step, min_compatible = GREATEST(min_compatible, @min) WHERE singleton = 1;
                    """, connection, transaction);
                record.Parameters.AddWithValue("step", next + 1);
                record.Parameters.AddWithValue("by", appliedBy);
                record.Parameters.AddWithValue("min", steps[next].MinCompatible);
                await record.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            var upgraded = await ReadSchemaAsync(connection, cancellationToken);
            return upgraded with { Verdict = SchemaCompatibilityRule.Decide(upgraded.Version, upgraded.MinCompatible, steps.Count) };
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key);", connection);
            unlock.Parameters.AddWithValue("key", SchemaLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>The store id and vector generation of a migrated database.</summary>
    public async Task<(string StoreId, long Generation)> ReadIdentityAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT store_id FROM store_identity WHERE singleton = 1), (SELECT value FROM store_counters WHERE name = 'vector_generation');", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetString(0), reader.GetInt64(1));
    }

    /// <summary>True when the database has no CadMl schema yet.</summary>
    public async Task<bool> IsBlankAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT to_regclass('store_identity') IS NULL;", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<SchemaState> ReadSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, min_compatible FROM schema_state WHERE singleton = 1;", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SchemaState(reader.GetInt32(0), reader.GetInt32(1), null);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}

/// <summary>The store's schema as PostgreSQL records it, and what this build decided about it.</summary>
public sealed record SchemaState(int Version, int MinCompatible, SchemaVerdict? Verdict)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"schema {Version} (serves builds from {MinCompatible})");
}
