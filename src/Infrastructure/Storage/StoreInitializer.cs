using CadMl.Application.Common.Configuration;
using CadMl.Domain.Storage;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Opens the durable store before the server takes requests, and refuses to open it when the
/// data folder does not add up: a bounded quick_check first (a damaged file stays closed), then
/// the store identity rule (a missing, foreign or rolled-back database next to artefacts of
/// another state keeps the instance unready and deletes nothing). No outcome crashes the
/// process: /ready reports it, /health explains it, and the orchestrator sees a live, unready
/// instance rather than a crash loop. Then the orphan sweep repairs analyses left without their
/// vector by older versions.
/// </summary>
internal sealed partial class StoreInitializer(
    SqliteDatabase database,
    OrphanSweep sweep,
    FaissIndexFiles snapshots,
    StoreMetrics metrics,
    IOptions<DataOptions> options,
    TimeProvider time,
    ILogger<StoreInitializer> logger) : IHostedService
{
    public const string RecordFile = StoreRecordFile.FileName;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private readonly StoreRecordFile _record = new(database.DataDir, time);

    private string RecordPath => _record.Path;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await OpenAsync(cancellationToken);
        }
        catch (SqliteException exception) when (exception.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            database.MarkDamaged($"SQLite cannot read the database: {exception.Message}",
                new Dictionary<string, object?> { ["sqlite_error"] = exception.SqliteErrorCode, ["file"] = SqliteDatabase.FileName });
            metrics.DamageDetected("startup");
            LogDamaged(exception.Message);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            database.MarkFailed($"the store could not be opened: {exception.Message}");
            LogFailed(exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var blank = await database.IsBlankAsync(cancellationToken);
        var quickCheck = "not needed (new store)";
        if (!blank)
        {
            var outcome = await database.CheckAsync(full: false, TimeSpan.FromSeconds(options.Value.QuickCheckSeconds), maxErrors: 20, cancellationToken);
            metrics.IntegrityChecked(full: false, outcome);
            if (outcome.Errors.Count > 0)
            {
                database.MarkDamaged($"quick_check found {outcome.Errors.Count} problem(s), first: {outcome.Errors[0]}",
                    new Dictionary<string, object?> { ["errors"] = outcome.Errors, ["file"] = SqliteDatabase.FileName });
                metrics.DamageDetected("startup");
                LogDamaged(outcome.Errors[0]);
                return;
            }

            quickCheck = outcome.Completed ? "ok" : $"stopped after {options.Value.QuickCheckSeconds} s; the store opened unverified";
            if (!outcome.Completed)
            {
                LogQuickCheckStopped(options.Value.QuickCheckSeconds);
            }

            // Migrations only add; a store of an older build gets its identity here.
            await database.MigrateAsync(cancellationToken);
        }

        var (storeId, generation) = blank ? (null, 0L) : await database.ReadIdentityAsync(cancellationToken);
        var recorded = ReadRecord();
        var stamp = snapshots.ReadStamp();
        var verdict = StoreStartupRule.Decide(
            new StoreObservation(storeId, generation, recorded, stamp is not null, stamp?.StoreId, stamp?.Generation ?? 0, stamp?.Vectors ?? 0),
            options.Value.AcceptLossOf);
        if (!verdict.Opens)
        {
            database.MarkRefused(verdict.Code, verdict.Reason, new Dictionary<string, object?>
            {
                ["lost_store"] = verdict.LostStore,
                ["accept_with"] = $"STORE_ACCEPT_LOSS_OF={verdict.LostStore}",
                ["data_dir"] = "DATA_DIR",
                ["runbook"] = "docs/RUNBOOK_STORE.md",
            });
            LogRefused(verdict.Code, verdict.Reason, verdict.LostStore);
            return;
        }

        if (verdict.MoveAside)
        {
            var aside = MoveAside(verdict, blank);
            LogAccepted(verdict.Code, verdict.LostStore, aside);
        }

        if (blank)
        {
            await database.MigrateAsync(cancellationToken);
            (storeId, generation) = await database.ReadIdentityAsync(cancellationToken);
        }

        if (recorded != storeId || verdict.MoveAside)
        {
            WriteRecord(storeId!);
        }

        database.MarkOpen(storeId!, new Dictionary<string, object?>
        {
            ["store_id"] = storeId,
            ["generation_at_start"] = generation,
            ["schema_version"] = SqliteDatabase.SchemaVersion,
            ["quick_check"] = quickCheck,
        });
        LogOpened(storeId!, generation, SqliteDatabase.SchemaVersion);
        // Once the store is open and before the indexes load from it, so a repaired vector is searchable at once.
        await sweep.RepairAsync(cancellationToken);
    }

    /// <summary>
    /// Everything that does not belong to the store being opened goes to one dated folder under
    /// <c>aside/</c>: kept for an operator to inspect or put back, never deleted.
    /// </summary>
    private string MoveAside(StoreVerdict verdict, bool blank)
    {
        var aside = Path.Combine(database.DataDir, "aside", $"{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{verdict.Code.ToLowerInvariant()}");
        Directory.CreateDirectory(aside);
        if (Directory.Exists(snapshots.Folder))
        {
            Directory.Move(snapshots.Folder, Path.Combine(aside, Path.GetFileName(snapshots.Folder)));
        }

        var files = new List<string> { RecordPath };
        if (blank)
        {
            // A blank database and any WAL beside it: a WAL without its database must never be replayed into a new one.
            files.Add(database.Path);
            files.AddRange(database.Companions);
        }

        foreach (var file in files.Where(File.Exists))
        {
            File.Move(file, Path.Combine(aside, Path.GetFileName(file)));
        }

        return aside;
    }

    private string? ReadRecord()
    {
        var recorded = _record.Read(out var problem);
        if (problem is not null)
        {
            LogRecordUnreadable(problem);
        }

        return recorded;
    }

    private void WriteRecord(string storeId) => _record.Write(storeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable store {StoreId} open at generation {Generation}, schema version {Version}")]
    private partial void LogOpened(string storeId, long generation, int version);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing to open the durable store ({Code}): {Reason}. Nothing was changed; to accept the loss set STORE_ACCEPT_LOSS_OF={LostStore} (docs/RUNBOOK_STORE.md)")]
    private partial void LogRefused(string code, string reason, string? lostStore);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator accepted the loss of store {LostStore} ({Code}); its artefacts were moved to {Aside}")]
    private partial void LogAccepted(string code, string? lostStore, string aside);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The durable store is damaged ({Detail}); the instance stays unready until it is restored (docs/RUNBOOK_STORE.md)")]
    private partial void LogDamaged(string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "quick_check did not finish within {Seconds} s; the store opens unverified (run the integrity check endpoint off-peak)")]
    private partial void LogQuickCheckStopped(int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store record is unreadable ({Detail}); treating the folder as belonging to an unidentified store")]
    private partial void LogRecordUnreadable(string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The durable store could not be opened; the instance stays unready")]
    private partial void LogFailed(Exception exception);
}
