using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.ReloadModel;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Loads <c>MODEL_FILE</c> at start-up through the same use case as an operator's reload, so the
/// bundled model passes the same checks. A model that fails them does not stop the process: the
/// refusal is recorded, /ready reports it and analyze answers without a class.
/// </summary>
internal sealed class StartupModelLoader(IServiceScopeFactory scopes, IOptions<ModelOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.ModelFile))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        await sender.Send(new ReloadModelCommand(options.Value.ModelFile, Origin: "startup"), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
