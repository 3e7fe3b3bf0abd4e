using CadMl.Application.Common.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The durable store: one SQLite file in the data folder, WAL journal with <c>synchronous=FULL</c>
/// so a committed transaction is on disk before the call returns (a 2xx means durable). Schema
/// changes are ordered migrations tracked by <c>PRAGMA user_version</c>.
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>Each entry moves the schema from version i to i+1; never edit one that has shipped.</summary>
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE analyses (
            id              TEXT PRIMARY KEY,
            created_at      TEXT NOT NULL,
            created_ts      REAL NOT NULL,
            file_name       TEXT NOT NULL,
            format          TEXT NOT NULL,
            sha256          TEXT NOT NULL,
            size_bytes      INTEGER NOT NULL,
            material        TEXT,
            project_id      TEXT,
            feature_version TEXT NOT NULL,
            vector          TEXT NOT NULL,
            document        TEXT NOT NULL,
            cache_hit       INTEGER NOT NULL,
            timings         TEXT NOT NULL
        );
        CREATE INDEX ix_analyses_sha256 ON analyses (sha256);
        CREATE INDEX ix_analyses_created ON analyses (created_ts);
        """,
        // Vectors: seq is the int64 id the indexes use. AUTOINCREMENT so a seq is never reused,
        // even after the newest row is deleted (an index entry must never name a different vector).
        // The generation row counts every write; an index file records the one it reflects.
        """
        CREATE TABLE vectors (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            id              TEXT NOT NULL UNIQUE,
            feature_version TEXT NOT NULL,
            vector          BLOB NOT NULL,
            material        TEXT,
            format          TEXT,
            label           TEXT,
            project_id      TEXT,
            meta            TEXT NOT NULL,
            created_at      TEXT NOT NULL
        );
        CREATE INDEX ix_vectors_version ON vectors (feature_version);
        CREATE INDEX ix_vectors_material ON vectors (material);
        CREATE INDEX ix_vectors_format ON vectors (format);
        CREATE TABLE store_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO store_counters (name, value) VALUES ('vector_generation', 0);
        """,
        // The classification answered with the analysis, so GET returns what the caller was told.
        """
        ALTER TABLE analyses ADD COLUMN classification TEXT;
        """,
        // Migration runs: one row per finished run (dry runs too), for the status endpoint.
        """
        CREATE TABLE migration_runs (
            id               TEXT PRIMARY KEY,
            to_version       TEXT NOT NULL,
            dry_run          INTEGER NOT NULL,
            scope            TEXT NOT NULL,
            batch_size       INTEGER NOT NULL,
            batches          INTEGER NOT NULL,
            status           TEXT NOT NULL,
            started_at       TEXT NOT NULL,
            finished_at      TEXT NOT NULL,
            duration_seconds REAL NOT NULL,
            processed        INTEGER NOT NULL,
            migrated         INTEGER NOT NULL,
            downgraded       INTEGER NOT NULL,
            skipped          INTEGER NOT NULL,
            not_found        INTEGER NOT NULL,
            error            INTEGER NOT NULL,
            dry_run_items    INTEGER NOT NULL,
            failure          TEXT
        );
        CREATE INDEX ix_migration_runs_started ON migration_runs (started_at);
        """,
        // Vectors deleted on purpose through the API. The start-up sweep re-creates the vector of an
        // analysis that has none (left by versions that wrote the two in separate transactions) and
        // must not bring back one an operator deleted.
        """
        CREATE TABLE vector_deletions (id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);
        """,
    ];

    private readonly string _connectionString;
    private volatile bool _ready;

    public SqliteDatabase(IOptions<DataOptions> options)
    {
        Path = System.IO.Path.Combine(options.Value.FullDataDir, "cadml.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public bool IsReady => _ready;

    public static int SchemaVersion => Migrations.Length;

    /// <summary>Creates the file if needed and applies pending migrations in one transaction each.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken));
        if (version > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"The database schema is version {version}, newer than this build knows ({Migrations.Length}); refusing to touch it.");
        }

        for (var next = version; next < Migrations.Length; next++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, Migrations[next], cancellationToken);
            await ExecuteAsync(connection, $"PRAGMA user_version = {next + 1};", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        _ready = true;
    }

    /// <summary>A connection for the single writer loop, which is synchronous by design (it owns its thread while it commits).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
        return connection;
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: FULL makes each WAL commit fsync, which is the durability promise.
        await ExecuteAsync(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
