using CadMl.Application.Common.Problems;
using CadMl.Application.Store.Ports;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// The integrity check and the online backup are SQLite's (PRAGMA integrity_check, the backup API
/// into DATA_DIR). A PostgreSQL store is shared by several processes and lives on its own server:
/// it is backed up and checked there (pg_basebackup / pg_dump, amcheck), never through one replica.
/// Both operations answer 409 <c>STORE_OPERATION_UNSUPPORTED</c> naming those tools.
/// </summary>
internal sealed class PostgresStoreMaintenance : IStoreMaintenance
{
    public Problem? Unsupported(string stage) =>
        new(ErrorCodes.StoreOperationUnsupported, stage,
            $"The {stage.Replace('_', ' ')} runs only on the embedded SQLite store; this service uses a shared PostgreSQL store.",
            new Dictionary<string, object?>
            {
                ["backend"] = "postgres",
                ["operation"] = stage,
                ["use_instead"] = stage == "backup" ? "pg_basebackup or pg_dump on the database server" : "amcheck (verify_heapam, bt_index_check) on the database server",
            });

    public Task<IntegrityReport> CheckIntegrityAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException("Unsupported(\"integrity_check\") refuses this before it is called.");

    public Task<BackupReport?> BackupAsync(string name, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Unsupported(\"backup\") refuses this before it is called.");
}
