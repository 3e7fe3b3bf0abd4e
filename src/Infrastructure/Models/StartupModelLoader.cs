using CadMl.Application.Fleet;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Application.Model.Ports;
using CadMl.Application.Model.ReloadModel;
using CadMl.Infrastructure.Fleet;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Loads the served model at start-up through the same use case as an operator's reload, so it
/// passes the same checks: the model an operator last loaded (<c>served-model.json</c>) when there
/// is one, else <c>MODEL_FILE</c>. A recorded model that fails its checks now is not served; the
/// loader falls back to <c>MODEL_FILE</c> and says so in /health and a metric. A model that fails
/// does not stop the process: /ready reports it and analyze answers without a class.
/// </summary>
internal sealed partial class StartupModelLoader(
    IServiceScopeFactory scopes,
    FileServedModelRecord record,
    IDesiredModelStore desiredModels,
    FleetStatePoller poller,
    IOptions<ModelOptions> options,
    ReplicaIdentity identity,
    ILogger<StartupModelLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var modelFile = options.Value.ModelFile;
        // The track's desired model in the shared store wins; the data folder's record covers a
        // store that is down at start or holds no choice for this track yet.
        if ((await DesiredAsync(cancellationToken) ?? record.Read()) is { } recorded)
        {
            if (recorded.Path.Length == 0)
            {
                Fall(new StartupModelFallback("(unreadable)", null, "SERVED_MODEL_RECORD_UNREADABLE", "served-model.json could not be read"));
            }
            else
            {
                var loaded = await sender.Send(new ReloadModelCommand(recorded.Path, Force: true, Origin: "startup"), cancellationToken);
                if (loaded.IsSuccess)
                {
                    LogRecorded(recorded.Path, loaded.Value.Model.ModelVersion);
                    return;
                }

                var problem = loaded.ToProblem();
                Fall(new StartupModelFallback(recorded.Path, problem.Stage, problem.Code, problem.Message));
            }
        }

        if (!string.IsNullOrWhiteSpace(modelFile))
        {
            await sender.Send(new ReloadModelCommand(modelFile, Origin: "startup"), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The track's desired model, read once as <see cref="ModelFollower"/> reads it on every tick (the
    /// same guard: nothing while the store is closed; a failed read is logged, counted, and null).
    /// </summary>
    private async Task<ServedModelEntry?> DesiredAsync(CancellationToken cancellationToken)
    {
        ServedModelEntry? desired = null;
        await poller.TryOnceAsync(ModelFollower.Name, async token => desired = (await desiredModels.ReadAsync(identity.Track, token))?.Entry, cancellationToken);
        return desired;
    }

    private void Fall(StartupModelFallback fallback)
    {
        record.FellBack(fallback);
        LogFellBack(fallback.RecordedPath, fallback.Stage, fallback.Code, fallback.Reason, options.Value.ModelFile);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Path} (model {Version}), the model last loaded by an operator")]
    private partial void LogRecorded(string path, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "The model last loaded by an operator ({Path}) failed at stage {Stage} with {Code}: {Reason}; falling back to MODEL_FILE {ModelFile}")]
    private partial void LogFellBack(string path, string? stage, string code, string reason, string modelFile);
}
