using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>Where the service keeps everything it must not lose.</summary>
public sealed class DataOptions : IValidatedOptions
{
    /// <summary>Folder for the durable store, index snapshots and state files; relative to the working directory.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string DataDir { get; set; } = "data";

    public string FullDataDir => Path.GetFullPath(DataDir);

    /// <summary>
    /// The operator's explicit acceptance that a store is lost: the id that /health names in
    /// <c>accept_with</c>. Only that exact id opens a folder refused at start-up, so a value left
    /// behind in the environment cannot accept a later, different loss.
    /// </summary>
    [ConfigurationKeyName("STORE_ACCEPT_LOSS_OF")]
    public string? AcceptLossOf { get; set; }

    /// <summary>Upper bound on the start-up quick_check; past it the store opens unverified and says so.</summary>
    [ConfigurationKeyName("STORE_QUICK_CHECK_SECONDS")]
    public int QuickCheckSeconds { get; set; } = 30;

    /// <summary>
    /// How often the background checkpointer copies the WAL into the database file. Writes only
    /// in the WAL are lost with it, so a short interval keeps that window small; the checkpoint
    /// never runs on the request path.
    /// </summary>
    [ConfigurationKeyName("STORE_CHECKPOINT_SECONDS")]
    public int CheckpointSeconds { get; set; } = 1;

    /// <summary>Where the durable store lives: <c>sqlite</c> (embedded, in DATA_DIR; the default) or <c>postgres</c> (DATABASE_URL, shareable by several processes).</summary>
    [ConfigurationKeyName("STORE_BACKEND")]
    public string StoreBackend { get; set; } = SqliteBackend;

    /// <summary>
    /// The PostgreSQL store when STORE_BACKEND=postgres: <c>postgres://user:password@host:port/database</c>
    /// (query options such as <c>sslmode</c> are passed on). Holds a secret: never logged or echoed.
    /// </summary>
    [ConfigurationKeyName("DATABASE_URL")]
    public string? DatabaseUrl { get; set; }

    /// <summary>How long start-up keeps trying to reach PostgreSQL (it may be starting too) before the instance stays unready.</summary>
    [ConfigurationKeyName("STORE_CONNECT_SECONDS")]
    public int ConnectSeconds { get; set; } = 30;

    public const string SqliteBackend = "sqlite";

    public const string PostgresBackend = "postgres";

    public bool UsesPostgres => string.Equals(StoreBackend, PostgresBackend, StringComparison.Ordinal);

    public IEnumerable<string> Validate()
    {
        if (StoreBackend is not (SqliteBackend or PostgresBackend))
        {
            yield return $"STORE_BACKEND must be '{SqliteBackend}' or '{PostgresBackend}' (was '{StoreBackend}').";
        }

        if (ConnectSeconds is < 0 or > 3600)
        {
            yield return $"STORE_CONNECT_SECONDS must be between 0 and 3600 (was {ConnectSeconds}).";
        }

        if (UsesPostgres && DatabaseUrlProblem(DatabaseUrl) is { } problem)
        {
            yield return problem;
        }

        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "DATA_DIR must name a folder.";
        }

        if (QuickCheckSeconds < 1)
        {
            yield return $"STORE_QUICK_CHECK_SECONDS must be at least 1 (was {QuickCheckSeconds}).";
        }

        if (CheckpointSeconds is < 1 or > 3600)
        {
            yield return $"STORE_CHECKPOINT_SECONDS must be between 1 and 3600 (was {CheckpointSeconds}).";
        }
    }

    /// <summary>
    /// Why DATABASE_URL cannot name a PostgreSQL database, or null when it can. The message never
    /// repeats the value: it may carry the password.
    /// </summary>
    public static string? DatabaseUrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "DATABASE_URL must be set when STORE_BACKEND=postgres (postgres://user:password@host:port/database).";
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
        {
            return "DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:port/database).";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "DATABASE_URL must name a host.";
        }

        if (uri.AbsolutePath.Trim('/').Length == 0)
        {
            return "DATABASE_URL must name a database (the path after the host).";
        }

        return string.IsNullOrEmpty(uri.UserInfo) ? "DATABASE_URL must name a user (postgres://user:password@host/database)." : null;
    }
}
