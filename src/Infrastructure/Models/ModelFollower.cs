using CadMl.Application.Fleet;
using CadMl.Application.Common.Problems;
using CadMl.Application.Model.Ports;
using CadMl.Application.Model.ReloadModel;
using CadMl.Application.Model.Serving;
using CadMl.Infrastructure.Fleet;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Keeps this replica on its track's desired model: every FLEET_POLL_MILLISECONDS
/// (<see cref="FleetStatePoller"/>) it reads the track's row, and when a newer version names a model other than the one serving, it loads it
/// through the reload use case (origin <c>fleet</c>), so it passes the same staged checks as an
/// operator's reload. A model that fails them here is not retried until the next desired version
/// (the failure is in /health's last reload and the reload metrics); a reload that was busy is.
/// </summary>
internal sealed partial class ModelFollower(
    IServiceScopeFactory scopes,
    IDesiredModelStore desiredModels,
    ModelRegistry registry,
    FleetStatePoller poller,
    ReplicaIdentity identity,
    ILogger<ModelFollower> logger) : BackgroundService
{
    /// <summary>The follower's label in <c>cadml_background_task_faults_total</c>.</summary>
    internal const string Name = "model_follower";

    private long _followed;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => poller.RunAsync(Name, FollowAsync, stoppingToken);

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var track = identity.Track;
        if (await desiredModels.ReadAsync(track, cancellationToken) is not { } desired || desired.Version <= _followed)
        {
            return;
        }

        if (string.Equals(registry.Current?.Sha256, desired.Entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            _followed = desired.Version;
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var loaded = await scope.ServiceProvider.GetRequiredService<ISender>()
            .Send(new ReloadModelCommand(desired.Entry.Path, Force: true, Origin: "fleet"), cancellationToken);
        if (loaded.IsSuccess)
        {
            _followed = desired.Version;
            LogFollowed(track, desired.Version, desired.Entry.Sha256, desired.ChangedBy);
            return;
        }

        var problem = loaded.ToProblem();
        if (problem.Error != ErrorCodes.ReloadInProgress)
        {
            _followed = desired.Version;
        }

        LogRefused(track, desired.Version, desired.Entry.Path, problem.Stage, problem.Code);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Track {Track} desired model version {Version} (sha256 {Sha256}, set by {ChangedBy}) is now serving here")]
    private partial void LogFollowed(string track, long version, string sha256, string changedBy);

    [LoggerMessage(Level = LogLevel.Error, Message = "Track {Track} desired model version {Version} ({Path}) was refused here at stage {Stage} with {Code}; the serving model is unchanged")]
    private partial void LogRefused(string track, long version, string path, string stage, string code);
}
