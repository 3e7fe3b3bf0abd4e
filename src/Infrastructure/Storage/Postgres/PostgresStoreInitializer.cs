using CadMl.Application.Common.Configuration;
using CadMl.Domain.Storage;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// Opens the shared PostgreSQL store before the server takes requests. The server may still be
/// starting (a fleet brings both up together), so reaching it is retried for
/// STORE_CONNECT_SECONDS; past that the instance stays up and unready rather than crash-looping.
/// Then: the schema steps under the advisory lock (or a refusal when a newer release contracted the
/// schema past this build), and the data-folder identity rule of the SQLite store (a replica whose
/// folder belonged to another store does not start empty next to it).
/// </summary>
internal sealed partial class PostgresStoreInitializer(
    PostgresDatabase database,
    FaissIndexFiles snapshots,
    IOptions<DataOptions> options,
    TimeProvider time,
    ILogger<PostgresStoreInitializer> logger) : IHostedService
{
    private readonly StoreRecordFile _record = new(database.DataDir, time);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow().AddSeconds(options.Value.ConnectSeconds);
        var pause = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await OpenAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && time.GetUtcNow() < deadline)
            {
                LogRetrying(database.Endpoint, exception.Message);
                await Task.Delay(pause, time, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                database.Status.MarkFailed($"PostgreSQL at {database.Endpoint} could not be opened: {exception.Message}",
                    new Dictionary<string, object?> { ["backend"] = "postgres", ["endpoint"] = database.Endpoint });
                LogFailed(exception, database.Endpoint);
                return;
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var blank = await database.IsBlankAsync(cancellationToken);
        var recorded = _record.Read(out var recordProblem);
        if (recordProblem is not null)
        {
            LogRecordUnreadable(recordProblem);
        }

        var stamp = snapshots.ReadStamp();
        var (storeId, generation) = blank ? (null, 0L) : await database.ReadIdentityAsync(cancellationToken);
        var verdict = StoreStartupRule.Decide(
            new StoreObservation(storeId, generation, recorded, stamp is not null, stamp?.StoreId, stamp?.Generation ?? 0, stamp?.Vectors ?? 0),
            options.Value.AcceptLossOf);
        if (!verdict.Opens)
        {
            // Nothing is created or changed: an empty database next to a folder of another store stays empty.
            database.Status.MarkRefused(verdict.Code, verdict.Reason, new Dictionary<string, object?>
            {
                ["backend"] = "postgres",
                ["lost_store"] = verdict.LostStore,
                ["accept_with"] = $"STORE_ACCEPT_LOSS_OF={verdict.LostStore}",
                ["runbook"] = "docs/RUNBOOK_STORE.md",
            });
            LogRefused(verdict.Code, verdict.Reason);
            return;
        }

        var schema = await database.MigrateAsync(cancellationToken, appliedBy: Environment.MachineName + "/" + Environment.ProcessId);
        if (schema.Verdict is { Action: SchemaAction.Refuse } refusal)
        {
            database.Status.MarkRefused(refusal.Code!, refusal.Reason, new Dictionary<string, object?>
            {
                ["backend"] = "postgres",
                ["store_schema"] = schema.Version,
                ["store_min_compatible"] = schema.MinCompatible,
                ["build_schema"] = PostgresDatabase.SchemaVersion,
            });
            LogSchemaRefused(refusal.Reason);
            return;
        }

        (storeId, generation) = await database.ReadIdentityAsync(cancellationToken);
        if (verdict.MoveAside && Directory.Exists(snapshots.Folder))
        {
            // The saved index belongs to the lost store: kept for an operator, never deleted.
            var aside = Path.Combine(database.DataDir, "aside", $"{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{verdict.Code.ToLowerInvariant()}");
            Directory.CreateDirectory(aside);
            Directory.Move(snapshots.Folder, Path.Combine(aside, Path.GetFileName(snapshots.Folder)));
        }

        if (recorded != storeId || verdict.MoveAside)
        {
            _record.Write(storeId);
        }

        database.Status.MarkOpen(storeId, $"postgres open at {database.Endpoint}, store {storeId}", new Dictionary<string, object?>
        {
            ["backend"] = "postgres",
            ["endpoint"] = database.Endpoint,
            ["store_id"] = storeId,
            ["generation_at_start"] = generation,
            ["store_schema"] = schema.Version,
            ["store_min_compatible"] = schema.MinCompatible,
        });
        LogOpened(storeId, database.Endpoint, generation, schema.Version, PostgresDatabase.SchemaVersion);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Durable store {StoreId} open on PostgreSQL {Endpoint} at generation {Generation}, store schema {StoreSchema} (this build {BuildSchema})")]
    private partial void LogOpened(string storeId, string endpoint, long generation, int storeSchema, int buildSchema);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL at {Endpoint} is not reachable yet ({Detail}); retrying")]
    private partial void LogRetrying(string endpoint, string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The PostgreSQL store at {Endpoint} could not be opened; the instance stays unready")]
    private partial void LogFailed(Exception exception, string endpoint);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing to open the PostgreSQL store ({Code}): {Reason}. Nothing was changed (docs/RUNBOOK_STORE.md)")]
    private partial void LogRefused(string code, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Refusing the PostgreSQL store's schema: {Reason}; run a release that knows it")]
    private partial void LogSchemaRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store record is unreadable ({Detail}); treating the folder as belonging to an unidentified store")]
    private partial void LogRecordUnreadable(string detail);
}
