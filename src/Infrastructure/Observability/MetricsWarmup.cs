using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Ports;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Model.Ports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CadMl.Infrastructure.Observability;

/// <summary>
/// Creates every adapter that owns metrics when the host starts, so each series is exported at 0
/// from the first scrape. A counter that first appears already at its first value is invisible
/// to increase() and rate(), and a rule or panel would miss exactly the first burst after a deploy.
/// </summary>
internal sealed class MetricsWarmup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IUseCaseMetrics>();
        _ = services.GetRequiredService<IAnalysisMetrics>();
        _ = services.GetRequiredService<IFeatureCache>();
        _ = services.GetRequiredService<IFeatureCacheMetrics>();
        _ = services.GetRequiredService<IModelMetrics>();
        _ = services.GetRequiredService<IMigrationMetrics>();
        _ = services.GetRequiredService<BuildInfoMetrics>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
