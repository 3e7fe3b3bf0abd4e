using System.Diagnostics;
using System.Globalization;
using CadMl.Application.Common.Problems;
using CadMl.Application.Store.Ports;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

internal sealed partial class SqliteStoreMaintenance(SqliteDatabase database, StoreMetrics metrics, ILogger<SqliteStoreMaintenance> logger) : IStoreMaintenance
{
    /// <summary>Long enough for a store of millions of rows; the check runs on its own connection and blocks no writer.</summary>
    private static readonly TimeSpan FullCheckLimit = TimeSpan.FromMinutes(10);

    public Problem? Unsupported(string stage) => null;

    public async Task<IntegrityReport> CheckIntegrityAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        IntegrityOutcome outcome;
        try
        {
            outcome = await database.CheckAsync(full: true, FullCheckLimit, maxErrors: 100, cancellationToken);
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode is 11 or 26)
        {
            outcome = new IntegrityOutcome(Completed: true, [exception.Message]);
        }

        metrics.IntegrityChecked(full: true, outcome);
        if (outcome.Errors.Count > 0)
        {
            if (database.MarkDamaged($"integrity_check found {outcome.Errors.Count} problem(s), first: {outcome.Errors[0]}",
                    new Dictionary<string, object?> { ["errors"] = outcome.Errors }))
            {
                metrics.DamageDetected("integrity_check");
            }

            LogDamaged(outcome.Errors.Count, outcome.Errors[0]);
        }

        var result = !outcome.Completed ? "timed_out" : outcome.Ok ? "ok" : "damaged";
        return new IntegrityReport(result, outcome.Errors, Stopwatch.GetElapsedTime(started).TotalSeconds,
            database.Condition.State.ToString().ToLowerInvariant());
    }

    public async Task<BackupReport?> BackupAsync(string name, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(database.DataDir, "backups");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".db");
        var partial = path + ".partial";
        if (File.Exists(path))
        {
            return null;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            File.Delete(partial);
            await database.BackupToAsync(partial, cancellationToken);
            var (storeId, generation) = await ReadIdentityAsync(partial, cancellationToken);
            // Only a finished copy carries the final name, so a file under backups/*.db is always whole.
            File.Move(partial, path);
            metrics.BackedUp(ok: true);
            // The answer names the copy relative to DATA_DIR: a response never carries a server path.
            var report = new BackupReport(name, Path.Combine("backups", name + ".db"), new FileInfo(path).Length, storeId, generation, Stopwatch.GetElapsedTime(started).TotalSeconds);
            LogBackedUp(path, generation, report.DurationSeconds);
            return report;
        }
        catch
        {
            metrics.BackedUp(ok: false);
            File.Delete(partial);
            throw;
        }
    }

    private static async Task<(string StoreId, long Generation)> ReadIdentityAsync(string path, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT store_id FROM store_identity), (SELECT value FROM store_counters WHERE name = 'vector_generation');";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "integrity_check found {Count} problem(s) in the durable store, first: {First}; the store is marked damaged")]
    private partial void LogDamaged(int count, string first);

    [LoggerMessage(Level = LogLevel.Information, Message = "Online backup written to {Path} at store generation {Generation} in {Seconds:F2} s")]
    private partial void LogBackedUp(string path, long generation, double seconds);
}
