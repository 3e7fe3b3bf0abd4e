using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Ports;
using CadMl.Application.Model.Ports;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Infrastructure.Caching;
using CadMl.Infrastructure.Models;
using CadMl.Infrastructure.Observability;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Infrastructure;

public static class DependencyInjection
{
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetricsRegistry();

        // Stateful singletons are registered explicitly: their lifetime is a design decision.
        services.AddSingleton<SqliteDatabase>();
        services.AddHostedService<StoreInitializer>();
        services.AddSingleton<LruFeatureCache>();
        services.AddSingleton<IFeatureCache>(sp => sp.GetRequiredService<LruFeatureCache>());
        services.AddSingleton<IFeatureCacheControl>(sp => sp.GetRequiredService<LruFeatureCache>());

        // The ONNX Runtime adapter owns native sessions; start-up loads the bundled model through the reload use case.
        services.AddSingleton<IModelRuntime, OnnxRuntimeClassifier>();
        services.AddHostedService<StartupModelLoader>();

        // Stateless adapters that are the single implementation of a port are found by convention.
        services.Scan(scan => scan
            .FromAssemblyOf<InfrastructureAssembly>()
            .AddClasses(classes => classes.AssignableToAny(
                    typeof(IHealthProbe), typeof(IUseCaseMetrics), typeof(IAnalysisMetrics), typeof(IAnalysisStore), typeof(ICadReader),
                    typeof(IModelFileStore), typeof(IModelArtifactScanner), typeof(IModelMetrics),

                    typeof(IFeatureCacheMetrics), typeof(ICacheSettingsStore)),
                publicOnly: false)
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        return services;
    }
}

/// <summary>Anchor for assembly scanning.</summary>
internal sealed class InfrastructureAssembly;
