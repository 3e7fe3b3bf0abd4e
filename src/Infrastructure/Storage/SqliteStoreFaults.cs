using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// SQLite's own verdict decides what is damage: SQLITE_CORRUPT (a page fails its checks) and
/// SQLITE_NOTADB (the header is gone). Anything else (busy, full disk, a bug) is not damage and
/// stays what it is.
/// </summary>
internal sealed partial class SqliteStoreFaults(SqliteDatabase database, StoreMetrics metrics, ILogger<SqliteStoreFaults> logger) : IStoreFaults
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    public Problem? Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is StoreUnavailableException unavailable)
            {
                return unavailable.Problem;
            }

            if (current is SqliteException { SqliteErrorCode: SqliteCorrupt or SqliteNotADatabase } sqlite)
            {
                if (database.MarkDamaged($"SQLite reported corruption at run time: {sqlite.Message}",
                        new Dictionary<string, object?> { ["sqlite_error"] = sqlite.SqliteErrorCode, ["sqlite_extended_error"] = sqlite.SqliteExtendedErrorCode }))
                {
                    metrics.DamageDetected("request");
                    LogDamaged(sqlite.SqliteExtendedErrorCode, sqlite.Message);
                }

                return database.Condition.ToProblem();
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The durable store is damaged (SQLite error {Code}: {Detail}); it stays unready until it is restored (docs/RUNBOOK_STORE.md)")]
    private partial void LogDamaged(int code, string detail);
}
