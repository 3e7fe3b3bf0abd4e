using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Deletes expired <c>Idempotency-Key</c> rows off the request path. Correctness does not depend on
/// it (an expired row is ignored by lookups and overwritten by a new claim); it only keeps the
/// table from growing. Deletes go in bounded batches so one sweep never holds the writer for long.
/// </summary>
internal sealed partial class IdempotencyKeyPurge(
    StoreStatus database,
    IIdempotencyStore store,
    IIdempotencyMetrics metrics,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyKeyPurge> logger)
    : BackgroundService
{
    private const int Batch = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PurgeIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!database.IsReady)
                {
                    continue;
                }

                try
                {
                    await PurgeAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogPurgeFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown; expired rows wait for the next start.
        }
    }

    /// <summary>One sweep: every key expired now, in batches. Internal for tests that drive it with a fake clock.</summary>
    internal async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var total = 0;
        int deleted;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted = await store.PurgeExpiredAsync(now, Batch);
            total += deleted;
        }
        while (deleted == Batch);

        metrics.Purged(total);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging expired idempotency keys failed; the next tick retries")]
    private partial void LogPurgeFailed(Exception exception);
}
