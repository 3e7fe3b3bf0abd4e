namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// One step of the PostgreSQL schema. <see cref="MinCompatible"/> is the oldest build schema that
/// still works once the step is applied: an expand step (new table, nullable column, index) keeps
/// the store's current value (pass 1), a contract step (drop, rename, NOT NULL on an old column)
/// raises it to the first build that no longer uses what it removes. Ship the expansion, let every
/// replica move to code that uses it, and only then ship the contraction.
/// </summary>
public sealed record SchemaStep(string Sql, int MinCompatible = 1);

/// <summary>
/// The PostgreSQL schema steps: step i moves the schema from version i to i+1; never edit one that
/// has shipped, append. Step 1 is the store as the SQLite steps 1–8 left it (from step 2 on,
/// PostgreSQL's step k is SQLite's step k + 7), so both backends keep
/// the same rows and rules: vectors keyed by a never-reused <c>seq</c>, one generation counter, a
/// gap-free change log written in the transaction that bumps the counter, and Idempotency-Key rows
/// claimed by the write they guard. <c>ord</c> columns stand in for SQLite's rowid where insertion
/// order breaks ties.
/// </summary>
public static class PostgresSchema
{
    public static IReadOnlyList<SchemaStep> Steps { get; } =
    [
        new("""
            CREATE TABLE analyses (
                id              TEXT PRIMARY KEY,
                ord             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                created_at      TEXT NOT NULL,
                created_ts      DOUBLE PRECISION NOT NULL,
                file_name       TEXT NOT NULL,
                format          TEXT NOT NULL,
                sha256          TEXT NOT NULL,
                size_bytes      BIGINT NOT NULL,
                material        TEXT,
                project_id      TEXT,
                feature_version TEXT NOT NULL,
                vector          TEXT NOT NULL,
                document        TEXT NOT NULL,
                cache_hit       BIGINT NOT NULL,
                timings         TEXT NOT NULL,
                classification  TEXT
            );
            CREATE INDEX ix_analyses_sha256 ON analyses (sha256);
            CREATE INDEX ix_analyses_created ON analyses (created_ts);
            CREATE TABLE vectors (
                seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id              TEXT NOT NULL UNIQUE,
                feature_version TEXT NOT NULL,
                vector          BYTEA NOT NULL,
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
            CREATE TABLE store_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
            INSERT INTO store_counters (name, value) VALUES ('vector_generation', 0);
            CREATE TABLE migration_runs (
                id               TEXT PRIMARY KEY,
                ord              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                to_version       TEXT NOT NULL,
                dry_run          BIGINT NOT NULL,
                scope            TEXT NOT NULL,
                batch_size       INTEGER NOT NULL,
                batches          INTEGER NOT NULL,
                status           TEXT NOT NULL,
                started_at       TEXT NOT NULL,
                finished_at      TEXT NOT NULL,
                duration_seconds DOUBLE PRECISION NOT NULL,
                processed        BIGINT NOT NULL,
                migrated         BIGINT NOT NULL,
                downgraded       BIGINT NOT NULL,
                skipped          BIGINT NOT NULL,
                not_found        BIGINT NOT NULL,
                error            BIGINT NOT NULL,
                dry_run_items    BIGINT NOT NULL,
                failure          TEXT
            );
            CREATE INDEX ix_migration_runs_started ON migration_runs (started_at);
            CREATE TABLE vector_deletions (id TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);
            CREATE TABLE store_identity (
                singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
                store_id   TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            INSERT INTO store_identity (singleton, store_id, created_at)
            VALUES (1, replace(gen_random_uuid()::text, '-', ''), to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
            CREATE TABLE vector_changes (
                generation       BIGINT PRIMARY KEY,
                kind             TEXT NOT NULL CHECK (kind IN ('insert', 'delete', 'switch')),
                id               TEXT NOT NULL,
                seq              BIGINT NOT NULL,
                feature_version  TEXT NOT NULL,
                replaced_seq     BIGINT,
                replaced_version TEXT,
                at               TEXT NOT NULL
            );
            CREATE TABLE idempotency_keys (
                scope         TEXT NOT NULL,
                idem_key      TEXT NOT NULL,
                request_hash  TEXT NOT NULL,
                resource_id   TEXT NOT NULL,
                created_ms    BIGINT NOT NULL,
                expires_ms    BIGINT NOT NULL,
                result_status TEXT,
                response      TEXT,
                PRIMARY KEY (scope, idem_key)
            );
            CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_ms);
            """),

        // Step 9 of the shared numbering (SQLite's step 9): one heartbeat row per replica for the
        // fleet view. An expansion: a new table older builds never read.
        new("""
            CREATE TABLE replica_heartbeats (
                replica_id             TEXT PRIMARY KEY,
                version                TEXT NOT NULL,
                track                  TEXT NOT NULL,
                model_sha256           TEXT,
                applied_generation     BIGINT NOT NULL,
                lag                    BIGINT NOT NULL,
                cache_settings_version TEXT,
                beat_ms                BIGINT NOT NULL,
                first_seen_ms          BIGINT NOT NULL
            );
            """),

        // Step 10 of the shared numbering (SQLite's step 10), fleet-wide controls: SQLite's
        // step with the same columns, so one adapter serves both (expand only: new tables).
        new("""
            CREATE TABLE cache_settings (
                singleton              INTEGER PRIMARY KEY CHECK (singleton = 1),
                version                BIGINT NOT NULL,
                configured_capacity    BIGINT NOT NULL,
                configured_ttl_seconds BIGINT NOT NULL,
                capacity               BIGINT NOT NULL,
                ttl_seconds            BIGINT NOT NULL,
                previous_capacity      BIGINT,
                previous_ttl_seconds   BIGINT,
                applied_capacity       BIGINT,
                applied_ttl_seconds    BIGINT,
                applied_ms             BIGINT,
                rollback_until_ms      BIGINT,
                changed_by             TEXT NOT NULL,
                changed_ms             BIGINT NOT NULL
            );
            CREATE TABLE fleet_leases (
                name        TEXT PRIMARY KEY,
                holder      TEXT NOT NULL,
                epoch       BIGINT NOT NULL,
                acquired_ms BIGINT NOT NULL,
                expires_ms  BIGINT NOT NULL
            );
            CREATE TABLE desired_models (
                track         TEXT PRIMARY KEY,
                version       BIGINT NOT NULL,
                path          TEXT NOT NULL,
                sha256        TEXT NOT NULL,
                model_version TEXT NOT NULL,
                changed_by    TEXT NOT NULL,
                changed_ms    BIGINT NOT NULL
            );
            """),

        // Step 11 of the shared numbering (SQLite's step 11): the URL a replica advertises for
        // admin operations forwarded to it. An expansion: a nullable column older builds never read.
        new("""
            ALTER TABLE replica_heartbeats ADD COLUMN url TEXT;
            """),
    ];
}
