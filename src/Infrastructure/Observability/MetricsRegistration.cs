using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

internal static class MetricsRegistration
{
    /// <summary>
    /// One registry per host rather than prometheus-net's static default: gauges then describe
    /// this instance only, and test hosts in one process cannot overwrite each other's numbers.
    /// </summary>
    public static IServiceCollection AddMetricsRegistry(this IServiceCollection services)
    {
        services.AddSingleton(_ =>
        {
            var registry = Metrics.NewCustomRegistry();
            DotNetStats.Register(registry);
            return registry;
        });
        services.AddSingleton<IMetricFactory>(sp => Metrics.WithCustomRegistry(sp.GetRequiredService<CollectorRegistry>()));
        return services;
    }
}
