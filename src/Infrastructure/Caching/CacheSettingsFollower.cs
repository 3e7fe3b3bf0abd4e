using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Caching;

/// <summary>
/// Keeps this replica on the fleet's cache settings record. At start (after the store has opened)
/// it imports the earlier releases' state file once and runs the record's settings before the
/// first request; then it reads the record every FLEET_POLL_MILLISECONDS, so a change made through
/// any replica is in force here within one interval plus one read (≤ 2 s). A failed read (store
/// down) is logged and retried on the next tick; the settings in force stay.
/// </summary>
internal sealed partial class CacheSettingsFollower(
    CacheSettingsState state,
    LegacyCacheSettingsFile legacy,
    StoreStatus store,
    IOptions<FleetControlOptions> options,
    TimeProvider time,
    ILogger<CacheSettingsFollower> logger) : BackgroundService
{
    private bool _started;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryStartAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!store.IsReady)
                {
                    continue;
                }

                if (!_started)
                {
                    await TryStartAsync(stoppingToken);
                    continue;
                }

                try
                {
                    await state.ConvergeAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogPollFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: the record stays in the store for the next start.
        }
    }

    private async Task TryStartAsync(CancellationToken cancellationToken)
    {
        if (!store.IsReady)
        {
            return;
        }

        try
        {
            var file = legacy.Load();
            var outcome = await state.StartAsync(file, cancellationToken);
            if (file is not null)
            {
                legacy.MarkImported();
            }

            _started = true;
            LogStarted(outcome, state.Applied.Version);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogPollFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cache settings: {Outcome}, running version {Version} of the fleet's record")]
    private partial void LogStarted(CacheSettingsStart outcome, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the fleet's cache settings record failed; the settings in force stay and the next tick retries")]
    private partial void LogPollFailed(Exception exception);
}
