using CadMl.Application.Faiss;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Keeps the FAISS index in shape in the background: rebuilds an HNSW shard once its tombstones
/// pass <c>FAISS_TOMBSTONE_REBUILD_RATIO</c>, trains an IVF shard once it has enough vectors (and
/// retrains when it has grown eightfold since, as its centroids then describe a different
/// distribution), and saves a changed index every <c>FAISS_SAVE_INTERVAL_SECONDS</c>. In exact
/// mode it only trims the change log, at the same interval. A rebuild takes the fleet's
/// <see cref="IndexRebuildLease"/>; while another rebuild holds it, this one waits for a later tick.
/// </summary>
internal sealed partial class VectorIndexMaintenance(
    SimilarityIndex index,
    FaissActivator activator,
    IndexRebuildLease rebuildLease,
    IOptions<VectorIndexOptions> options,
    TimeProvider time,
    ILogger<VectorIndexMaintenance> logger) : BackgroundService
{
    private const double IvfRetrainGrowth = 8;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.UsesFaiss)
        {
            await TrimForExactAsync(settings, stoppingToken);
            return;
        }

        var tick = TimeSpan.FromSeconds(Math.Min(5, settings.SaveIntervalSeconds));
        var lastSave = time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, time, stoppingToken);
                var due = ShardsDue(settings);
                if (due.Count > 0)
                {
                    await RebuildUnderLeaseAsync(due, stoppingToken);
                }

                if (index.Dirty && time.GetElapsedTime(lastSave).TotalSeconds >= settings.SaveIntervalSeconds)
                {
                    activator.TrySave();
                    lastSave = time.GetTimestamp();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is FaissException or InvalidOperationException or OutOfMemoryException)
            {
                LogFailed(exception);
            }
        }
    }

    private async Task RebuildUnderLeaseAsync(List<FeatureVersion> due, CancellationToken stoppingToken)
    {
        await using var lease = await rebuildLease.AcquireAsync(IndexRebuildLease.TombstoneRebuild, stoppingToken);
        if (lease.HeldElsewhere)
        {
            return;
        }

        LogRebuilding(string.Join(", ", due.Select(v => v.Name())));
        await index.RebuildAsync(null, due, stoppingToken);
    }

    /// <summary>
    /// Exact search keeps no snapshot, so no reader needs the change log: without this loop it
    /// would grow with every write for as long as the service runs in exact mode.
    /// </summary>
    private async Task TrimForExactAsync(VectorIndexOptions settings, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(settings.SaveIntervalSeconds), time, stoppingToken);
                activator.TrimWithoutSnapshot();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    internal List<FeatureVersion> ShardsDue(VectorIndexOptions settings)
    {
        var due = new List<FeatureVersion>();
        if (index.Faiss is not { } faiss)
        {
            return due;
        }

        foreach (var (version, exact) in index.Exact.Shards)
        {
            var shard = faiss.Find(version);
            var rebuild = shard switch
            {
                null => false,
                { Stored: > 0 } when shard.Tombstones > settings.TombstoneRebuildRatio * shard.Stored => true,
                { Ready: false } => index.Spec.Kind == FaissKind.Ivf && exact.Count >= settings.IvfNlist,
                { TrainedOn: > 0 } => exact.Count > IvfRetrainGrowth * shard.TrainedOn,
                _ => false,
            };
            if (rebuild)
            {
                due.Add(version);
            }
        }

        return due;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilding FAISS shards {Versions} (tombstones or IVF training due)")]
    private partial void LogRebuilding(string versions);

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS maintenance failed; will retry on the next tick")]
    private partial void LogFailed(Exception exception);
}
