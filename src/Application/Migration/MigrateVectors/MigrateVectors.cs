using Ardalis.Result;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Fleet;
using CadMl.Application.Common.Problems;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;
using Mediator;
using Microsoft.Extensions.Logging;

namespace CadMl.Application.Migration.MigrateVectors;

/// <summary>
/// Moves the vectors with <paramref name="Ids"/> (or, when null, every vector not at the target
/// when the run starts) to <paramref name="ToVersion"/>, <paramref name="BatchSize"/> at a time.
/// A <paramref name="DryRun"/> plans and reports but writes nothing.
/// </summary>
public sealed record MigrateVectorsCommand(
    IReadOnlyList<string>? Ids,
    string? ToVersion,
    bool DryRun = false,
    int BatchSize = MigrateVectorsCommand.DefaultBatchSize) : IUseCaseCommand<MigrationResultDto>, IExclusiveMessage
{
    public const int DefaultBatchSize = 500;
    public const int MaxBatchSize = 10_000;
    public const int MaxIds = 1_000;

    /// <summary>A run over millions of vectors reports its totals in full but only this many items.</summary>
    public const int MaxReportedItems = 1_000;

    public string ExclusiveGroup => "vector-migration";

    public ErrorCode BusyCode => ErrorCodes.MigrationInProgress;
}

/// <summary>
/// Each batch is read, planned, written in one store transaction and staged in the index while
/// vector writes are held back, so a register or delete of the same id lands before or after a
/// batch, never inside it. Staged vectors stay invisible to searches until the run ends, when the
/// index switches to the migrated state at once. The switch runs whatever ends the run (done,
/// cancelled, failed): every written batch is durable and the index must follow the store.
/// Memory is bounded by one batch plus the staged index rows; the report keeps at most
/// <see cref="MigrateVectorsCommand.MaxReportedItems"/> items.
/// </summary>
internal sealed partial class MigrateVectorsHandler(
    FleetLeases leases,
    IMigrationStore store,
    IMigrationIndex index,
    VectorRegistry registry,
    IVectorChangeLog changeLog,
    WrittenGeneration written,
    IMigrationMetrics metrics,
    MigrationProgress progress,
    TimeProvider time,
    ILogger<MigrateVectorsHandler> logger) : ICommandHandler<MigrateVectorsCommand, Result<MigrationResultDto>>
{
    /// <summary>The fleet lease of migration runs: one runner across all replicas sharing the store.</summary>
    internal const string LeaseName = "vector-migration";

    public async ValueTask<Result<MigrationResultDto>> Handle(MigrateVectorsCommand command, CancellationToken cancellationToken)
    {
        var (held, holder) = await leases.AcquireAsync(LeaseName, cancellationToken);
        if (held is null)
        {
            return new Problem(ErrorCodes.MigrationInProgress, ErrorCodes.MigrationInProgress.Stage,
                $"Replica {holder.Holder} is running a migration; wait for it to end (GET /api/v1/vectors/migrate/status on that replica shows its progress).",
                new Dictionary<string, object?> { ["holder"] = holder.Holder, ["epoch"] = holder.Epoch, ["lease_expires_at"] = holder.ExpiresAt })
                .ToResult<MigrationResultDto>();
        }

        await using (held)
        {
            return await RunAsync(command, held, cancellationToken);
        }
    }

    private async Task<Result<MigrationResultDto>> RunAsync(MigrateVectorsCommand command, HeldFleetLease lease, CancellationToken cancellationToken)
    {
        var target = FeatureVersions.Parse(command.ToVersion!);
        var log = new MigrationRunLog(command, target, Guid.CreateVersion7(time.GetUtcNow()).ToString(), time.GetUtcNow(), time.GetTimestamp());
        progress.Report(log.Progress());
        LogStarted(log.MigrationId, target.Name(), log.Scope, command.DryRun);
        var staging = command.DryRun ? null : index.Begin(target);
        var pass = new MigrationPass(target, command.DryRun, command.BatchSize, log, staging, lease);
        string? failure = null;
        var cancelled = false;
        try
        {
            if (command.Ids is { } ids)
            {
                await MigrateIdsAsync([.. ids.Distinct(StringComparer.Ordinal)], pass, cancellationToken);
            }
            else
            {
                await MigrateAllAsync(pass, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        catch (FleetLeaseLostException lost)
        {
            // Another replica holds the lease now: what was written stays (each batch is whole), the rest is its to do.
            failure = lost.Message;
        }
        catch (Exception exception)
        {
            failure = exception.Message;
            throw;
        }
        finally
        {
            if (staging is not null)
            {
                await staging.SwitchAsync();
                await MarkEndAsync(log.MigrationId, target);
            }

            var elapsed = time.GetElapsedTime(log.StartedTimestamp);
            var run = log.Finish(time.GetUtcNow(), elapsed, cancelled, failure);
            metrics.RunFinished(elapsed);
            await store.SaveRunAsync(run, CancellationToken.None);
            if (!command.DryRun)
            {
                metrics.EarlierLayout(FeatureVersion.V5, await store.CountEarlierLayoutAsync(CancellationToken.None));
            }

            progress.Clear();
            LogFinished(run.MigrationId, run.Status, run.Totals.Processed, run.Totals.Migrated + run.Totals.Downgraded, run.Totals.Error, elapsed.TotalSeconds);
        }

        return Result.Success(MigrationResultDto.From(log.Run!, log.Items, log.ItemsTruncated));
    }

    /// <summary>
    /// Tells the other replicas, through the change log, that the run's switch rows are complete:
    /// each switches them in at once when it reaches this change. Written with vector writes held
    /// back, like a batch. If it cannot be written (store down) they switch at the next run's end.
    /// </summary>
    private async Task MarkEndAsync(string migrationId, FeatureVersion target)
    {
        try
        {
            var end = await registry.HoldWritesAsync(() => Task.FromResult(changeLog.AppendMigrationEnd(migrationId, target, time.GetUtcNow())), CancellationToken.None);
            written.Produced(end);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogEndNotMarked(exception, migrationId);
        }
    }

    private async Task MigrateIdsAsync(List<string> ids, MigrationPass pass, CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(pass.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await BatchAsync(token => store.FindAsync(chunk, token), chunk, pass, cancellationToken);
        }
    }

    private async Task MigrateAllAsync(MigrationPass pass, CancellationToken cancellationToken)
    {
        // Vectors registered after this point are not part of the run: it must end even while
        // clients keep registering vectors of the old version.
        var lastSeq = await store.LastSeqAsync(cancellationToken);
        var afterSeq = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var after = afterSeq;
            var read = await BatchAsync(token => store.PendingAsync(pass.Target, after, lastSeq, pass.BatchSize, token), null, pass, cancellationToken);
            if (read.Count == 0)
            {
                return;
            }

            afterSeq = read[^1].Seq;
        }
    }

    /// <summary>One batch: under the write hold unless it is a dry run (which writes nothing and needs none).</summary>
    private Task<IReadOnlyList<MigrationSource>> BatchAsync(
        Func<CancellationToken, Task<IReadOnlyList<MigrationSource>>> read,
        IReadOnlyList<string>? requested,
        MigrationPass pass,
        CancellationToken cancellationToken) =>
        pass.Staging is null
            ? RunBatchAsync(read, requested, pass, cancellationToken)
            : registry.HoldWritesAsync(() => RunBatchAsync(read, requested, pass, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<MigrationSource>> RunBatchAsync(
        Func<CancellationToken, Task<IReadOnlyList<MigrationSource>>> read,
        IReadOnlyList<string>? requested,
        MigrationPass pass,
        CancellationToken cancellationToken)
    {
        var (target, dryRun, _, log, staging, lease) = pass;
        var rows = await read(cancellationToken);
        var items = new List<MigrationItemDto>(rows.Count);
        var changes = new List<(int Item, MigrationChange Change, int Delta)>();
        foreach (var row in rows)
        {
            var plan = MigrationRules.Plan(row, target);
            var outcome = VectorMigration.OutcomeOf(plan, dryRun);
            if (outcome is MigrationOutcome.Migrated or MigrationOutcome.Downgraded)
            {
                if (VectorMigration.Apply(plan, row.Values, row.Document, out var error) is { } moved)
                {
                    changes.Add((items.Count, new MigrationChange(row.Seq, row.Id, moved), plan.Delta));
                }
                else
                {
                    (outcome, plan) = (MigrationOutcome.Error, plan with { Method = null, Error = error });
                }
            }

            items.Add(MigrationItemDto.From(row, plan, outcome));
        }

        if (changes.Count > 0)
        {
            // Once the batch is durable the index must get it: no cancellation from here on.
            var batch = await store.WriteAsync([.. changes.Select(c => c.Change)], lease.Current, CancellationToken.None);
            if (batch.LeaseLost)
            {
                throw new FleetLeaseLostException(lease.Current);
            }

            written.Produced(batch.Generation);

            for (var i = 0; i < changes.Count; i++)
            {
                if (batch.Writes[i] is null)
                {
                    items[changes[i].Item] = MigrationItemDto.NotFound(changes[i].Change.Id, target);
                }
                else
                {
                    metrics.Moved(changes[i].Delta);
                }
            }

            staging!.Stage([.. batch.Writes.OfType<Vectors.Ports.VectorWrite>()]);
        }

        if (requested is not null)
        {
            var found = rows.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            items.AddRange(requested.Where(id => !found.Contains(id)).Select(id => MigrationItemDto.NotFound(id, target)));
            var position = requested.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
            items.Sort((a, b) => position[a.Id].CompareTo(position[b.Id]));
        }

        log.Add(items);
        foreach (var group in items.GroupBy(i => i.Status))
        {
            metrics.Counted(group.Key, group.Count());
        }

        progress.Report(log.Progress());
        return rows;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The end of vector migration {MigrationId} could not be logged; other replicas switch its vectors in at the next run's end")]
    private partial void LogEndNotMarked(Exception exception, string migrationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector migration {MigrationId} to {Version} started (scope {Scope}, dry run {DryRun})")]
    private partial void LogStarted(string migrationId, string version, string scope, bool dryRun);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Vector migration {MigrationId} ended {Status}: {Processed} processed, {Moved} moved, {Errors} errors in {Seconds:F1} s")]
    private partial void LogFinished(string migrationId, string status, long processed, long moved, long errors, double seconds);
}

/// <summary>What every batch of one run shares: its target, whether it writes, and where it reports and stages.</summary>
internal sealed record MigrationPass(FeatureVersion Target, bool DryRun, int BatchSize, MigrationRunLog Log, IIndexMigration? Staging, HeldFleetLease Lease);
