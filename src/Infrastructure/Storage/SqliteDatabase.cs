using System.Globalization;
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
        // Store identity: created once with the store, so artefacts next to a database (the FAISS
        // snapshot, the data folder's record) can tell whether they belong to it.
        """
        CREATE TABLE store_identity (
            singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
            store_id   TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        INSERT INTO store_identity (singleton, store_id, created_at)
        VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """,
        // The vector change log: one row per vector generation, written in the transaction that
        // bumps it, so the log has no gaps and is in commit order. A saved index at generation G
        // catches up by replaying the rows after G instead of being rebuilt; rows no index needs
        // any more are trimmed (VectorChangeLog). Seqs name the rows the indexes hold: `seq` is
        // the row written (insert, switch) or removed (delete), `replaced_seq` the row an insert
        // or switch replaced. Existing stores start with an empty log: their saved index, if
        // older than the current generation, is rebuilt once, as before.
        """
        CREATE TABLE vector_changes (
            generation       INTEGER PRIMARY KEY,
            kind             TEXT NOT NULL CHECK (kind IN ('insert', 'delete', 'switch')),
            id               TEXT NOT NULL,
            seq              INTEGER NOT NULL,
            feature_version  TEXT NOT NULL,
            replaced_seq     INTEGER,
            replaced_version TEXT,
            at               TEXT NOT NULL
        );
        """,
        // Idempotency-Key rows: inserted in the transaction of the write they guard (the key is
        // taken exactly when the write is durable); the answer is added by a second write. Times
        // are epoch milliseconds so the expiry comparison is exact.
        """
        CREATE TABLE idempotency_keys (
            scope         TEXT NOT NULL,
            idem_key      TEXT NOT NULL,
            request_hash  TEXT NOT NULL,
            resource_id   TEXT NOT NULL,
            created_ms    INTEGER NOT NULL,
            expires_ms    INTEGER NOT NULL,
            result_status TEXT,
            response      TEXT,
            PRIMARY KEY (scope, idem_key)
        );
        CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_ms);
        """,
        // Step 9, the same as PostgreSQL's: one heartbeat row per replica (fleet view, issue 18).
        // Times are epoch milliseconds so the staleness comparison is exact; lag is computed when
        // the row is written, against the generation of that moment.
        """
        CREATE TABLE replica_heartbeats (
            replica_id             TEXT PRIMARY KEY,
            version                TEXT NOT NULL,
            track                  TEXT NOT NULL,
            model_sha256           TEXT,
            applied_generation     INTEGER NOT NULL,
            lag                    INTEGER NOT NULL,
            cache_settings_version TEXT,
            beat_ms                INTEGER NOT NULL,
            first_seen_ms          INTEGER NOT NULL
        );
        """,
        // Step 10, fleet-wide controls: the cache
        // settings record, one row whose version every change moves by one (compare-and-set), the
        // leases of fleet-wide operations with their fencing epochs, and the desired served model
        // per rollout track. Times are epoch ms.
        // The same statements as PostgresSchema's step: the control adapters are shared.
        """
        CREATE TABLE cache_settings (
            singleton              INTEGER PRIMARY KEY CHECK (singleton = 1),
            version                INTEGER NOT NULL,
            configured_capacity    INTEGER NOT NULL,
            configured_ttl_seconds INTEGER NOT NULL,
            capacity               INTEGER NOT NULL,
            ttl_seconds            INTEGER NOT NULL,
            previous_capacity      INTEGER,
            previous_ttl_seconds   INTEGER,
            applied_capacity       INTEGER,
            applied_ttl_seconds    INTEGER,
            applied_ms             INTEGER,
            rollback_until_ms      INTEGER,
            changed_by             TEXT NOT NULL,
            changed_ms             INTEGER NOT NULL
        );
        CREATE TABLE fleet_leases (
            name        TEXT PRIMARY KEY,
            holder      TEXT NOT NULL,
            epoch       INTEGER NOT NULL,
            acquired_ms INTEGER NOT NULL,
            expires_ms  INTEGER NOT NULL
        );
        CREATE TABLE desired_models (
            track         TEXT PRIMARY KEY,
            version       INTEGER NOT NULL,
            path          TEXT NOT NULL,
            sha256        TEXT NOT NULL,
            model_version TEXT NOT NULL,
            changed_by    TEXT NOT NULL,
            changed_ms    INTEGER NOT NULL
        );
        """,
        // Step 11, the same as PostgreSQL's: the URL a replica advertises for admin operations
        // forwarded to it (?replica=, ?scope=all). Expand only: a nullable column older builds ignore.
        """
        ALTER TABLE replica_heartbeats ADD COLUMN url TEXT;
        """,
    ];

    private readonly string _connectionString;
    private readonly StoreStatus _status;

    /// <param name="options">Where the data folder is.</param>
    /// <param name="status">The process's one store status (shared with the readiness probe and metrics); a fresh one when used alone.</param>
    public SqliteDatabase(IOptions<DataOptions> options, StoreStatus? status = null)
    {
        _status = status ?? new StoreStatus();
        DataDir = options.Value.FullDataDir;
        Path = System.IO.Path.Combine(DataDir, FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public const string FileName = "cadml.db";

    public string DataDir { get; }

    public string Path { get; }

    /// <summary>The SQLite companions of the database file; they belong to it and move with it.</summary>
    public IEnumerable<string> Companions => [Path + "-wal", Path + "-shm", Path + "-journal"];

    public bool IsReady => _status.IsReady;

    public StoreCondition Condition => _status.Condition;

    /// <summary>The store's identity once it is open; null before.</summary>
    public string? StoreId => _status.StoreId;

    public static int SchemaVersion => Migrations.Length;

    /// <summary>True when there is no database yet: no file, an empty file, or a file without schema.</summary>
    public async Task<bool> IsBlankAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path) || new FileInfo(Path).Length == 0)
        {
            return true;
        }

        await using var connection = await OpenUncheckedAsync(cancellationToken);
        return Convert.ToInt64(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture) == 0
            && Convert.ToInt64(await ScalarAsync(connection, "SELECT count(*) FROM sqlite_schema;", cancellationToken), CultureInfo.InvariantCulture) == 0;
    }

    /// <summary>Creates the file if needed and applies pending migrations in one transaction each.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        await using var connection = await OpenUncheckedAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        var version = Convert.ToInt32(await ScalarAsync(connection, "PRAGMA user_version;", cancellationToken), CultureInfo.InvariantCulture);
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
    }

    /// <summary>A connection for the single writer loop, which is synchronous by design (it owns its thread while it commits).</summary>
    public SqliteConnection Open()
    {
        EnsureOpen();
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>The store id and vector generation of a migrated database.</summary>
    public async Task<(string StoreId, long Generation)> ReadIdentityAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenUncheckedAsync(cancellationToken);
        var id = (string)(await ScalarAsync(connection, "SELECT store_id FROM store_identity WHERE singleton = 1;", cancellationToken))!;
        var generation = Convert.ToInt64(
            await ScalarAsync(connection, "SELECT value FROM store_counters WHERE name = 'vector_generation';", cancellationToken), CultureInfo.InvariantCulture);
        return (id, generation);
    }

    /// <summary>
    /// <c>PRAGMA quick_check</c> (or the full <c>integrity_check</c>), stopped after
    /// <paramref name="limit"/> through <c>sqlite3_interrupt</c> so a huge store cannot hold up
    /// start-up; at most <paramref name="maxErrors"/> problems are listed.
    /// </summary>
    public async Task<IntegrityOutcome> CheckAsync(bool full, TimeSpan limit, int maxErrors, CancellationToken cancellationToken)
    {
        await using var connection = await OpenUncheckedAsync(cancellationToken);
        var handle = connection.Handle!;
        using var interrupt = new Timer(_ => SQLitePCL.raw.sqlite3_interrupt(handle), null, limit, Timeout.InfiniteTimeSpan);
        var errors = new List<string>();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {(full ? "integrity_check" : "quick_check")}({maxErrors});";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var line = reader.GetString(0);
                if (!string.Equals(line, "ok", StringComparison.Ordinal))
                {
                    errors.Add(line);
                }
            }
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteInterrupted)
        {
            return new IntegrityOutcome(Completed: false, errors);
        }

        return new IntegrityOutcome(Completed: true, errors);
    }

    /// <summary>
    /// An online copy through the SQLite backup API: readers and writers carry on, and the copy is
    /// a consistent snapshot of one committed state (what had been acknowledged when it finished).
    /// </summary>
    public async Task BackupToAsync(string destination, CancellationToken cancellationToken)
    {
        await using var source = await OpenAsync(cancellationToken);
        await using var target = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = destination,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        await target.OpenAsync(cancellationToken);
        source.BackupDatabase(target);
        // A backup is one self-contained file: no WAL beside it to lose in a copy.
        await ExecuteAsync(target, "PRAGMA journal_mode=DELETE;", cancellationToken);
    }

    public void MarkOpen(string storeId, IReadOnlyDictionary<string, object?> facts) => _status.MarkOpen(storeId, $"sqlite open, store {storeId}", facts);

    public void MarkRefused(string code, string detail, IReadOnlyDictionary<string, object?> facts) => _status.MarkRefused(code, detail, facts);

    public void MarkFailed(string detail) => _status.MarkFailed(detail);

    /// <summary>The first report of damage wins: it is the one that says where it was first seen.</summary>
    public bool MarkDamaged(string detail, IReadOnlyDictionary<string, object?>? facts = null) => _status.MarkDamaged(detail, facts);

    /// <summary>Refuses (503 with the reason) unless the store is open.</summary>
    public void EnsureOpen() => _status.EnsureOpen();

    /// <summary>A connection for the use cases; refused (503 with the reason) unless the store is open.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureOpen();
        return await OpenUncheckedAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenUncheckedAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // Per connection: FULL makes each WAL commit fsync, which is the durability promise.
        await ExecuteAsync(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", cancellationToken);
        return connection;
    }

    private const int SqliteInterrupted = 9;

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

/// <summary>The result of a quick_check or integrity_check; <see cref="Completed"/> is false when the time limit stopped it.</summary>
public sealed record IntegrityOutcome(bool Completed, IReadOnlyList<string> Errors)
{
    public bool Ok => Completed && Errors.Count == 0;
}
