using System.Data.Common;
using System.Globalization;
using CadMl.Application.Migration.Ports;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The <c>migration_runs</c> row as both backends write and read it (the table and statements are
/// the same on SQLite and PostgreSQL; parameters are <c>@name</c>, which both accept).
/// </summary>
internal static class MigrationRunRows
{
    public static async Task InsertAsync(DbConnection connection, MigrationRun run, CancellationToken cancellationToken)
    {
        var t = run.Totals;
        await using var command = StoreCommands.Create(connection, null, """
            INSERT INTO migration_runs (id, to_version, dry_run, scope, batch_size, batches, status, started_at, finished_at, duration_seconds,
                                        processed, migrated, downgraded, skipped, not_found, error, dry_run_items, failure)
            VALUES (@id, @to_version, @dry_run, @scope, @batch_size, @batches, @status, @started_at, @finished_at, @duration_seconds,
                    @processed, @migrated, @downgraded, @skipped, @not_found, @error, @dry_run_items, @failure);
            """,
            ("id", run.MigrationId),
            ("to_version", run.ToVersion),
            ("dry_run", run.DryRun ? 1L : 0L),
            ("scope", run.Scope),
            ("batch_size", run.BatchSize),
            ("batches", run.Batches),
            ("status", run.Status),
            ("started_at", run.StartedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("finished_at", run.FinishedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("duration_seconds", run.DurationSeconds),
            ("processed", t.Processed),
            ("migrated", t.Migrated),
            ("downgraded", t.Downgraded),
            ("skipped", t.Skipped),
            ("not_found", t.NotFound),
            ("error", t.Error),
            ("dry_run_items", t.DryRun),
            ("failure", run.Error));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The latest runs first. <paramref name="arrival"/> names the column that orders rows by
    /// insertion on this backend (SQLite's <c>rowid</c>, PostgreSQL's <c>ord</c>); never user input.
    /// </summary>
    public static async Task<IReadOnlyList<MigrationRun>> RecentAsync(DbConnection connection, string arrival, int limit, CancellationToken cancellationToken)
    {
        await using var command = StoreCommands.Create(connection, null, $"""
            SELECT id, to_version, dry_run, scope, batch_size, batches, status, started_at, finished_at, duration_seconds,
                   processed, migrated, downgraded, skipped, not_found, error, dry_run_items, failure
            FROM migration_runs ORDER BY started_at DESC, {arrival} DESC LIMIT @limit;
            """,
            ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<MigrationRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new MigrationRun(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt64(2) != 0,
                reader.GetString(3),
                reader.GetInt32(4),
                reader.GetInt32(5),
                reader.GetString(6),
                Time(reader.GetString(7)),
                Time(reader.GetString(8)),
                reader.GetDouble(9),
                new MigrationTotals(reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13),
                    reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16)),
                reader.IsDBNull(17) ? null : reader.GetString(17)));
        }

        return runs;
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
