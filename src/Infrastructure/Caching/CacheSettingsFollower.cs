using CadMl.Application.FeatureCache;
using CadMl.Infrastructure.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Caching;

/// <summary>
/// Keeps this replica on the fleet's cache settings record. At start (after the store has opened)
/// it imports the earlier releases' state file once and runs the record's settings before the
/// first request (a store not open yet, or failing, is retried on the ticks); then it reads the
/// record every FLEET_POLL_MILLISECONDS (<see cref="FleetStatePoller"/>), so a change made through
/// any replica is in force here within one interval plus one read (≤ 2 s). A failed read (store
/// down) is logged, counted and retried on the next tick; the settings in force stay.
/// </summary>
internal sealed partial class CacheSettingsFollower(
    CacheSettingsState state,
    LegacyCacheSettingsFile legacy,
    FleetStatePoller poller,
    ILogger<CacheSettingsFollower> logger) : BackgroundService
{
    /// <summary>The follower's label in <c>cadml_background_task_faults_total</c>.</summary>
    internal const string Name = "cache_settings_follower";

    private bool _started;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await poller.TryOnceAsync(Name, StartFromStoreAsync, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        poller.RunAsync(Name, token => _started ? (Task)state.ConvergeAsync(token) : StartFromStoreAsync(token), stoppingToken);

    private async Task StartFromStoreAsync(CancellationToken cancellationToken)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Cache settings: {Outcome}, running version {Version} of the fleet's record")]
    private partial void LogStarted(CacheSettingsStart outcome, long version);
}
