using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.Caching;
using CadMl.Infrastructure.Observability;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Faiss;
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

        // The similarity index owns native FAISS memory and the in-memory exact index: one per process.
        services.AddSingleton<VectorIndexMetrics>();
        services.AddSingleton<SimilarityIndex>();
        services.AddSingleton<IVectorIndex>(sp => sp.GetRequiredService<SimilarityIndex>());
        services.AddSingleton<IFaissLibrary, FaissLibrary>();
        services.AddSingleton<FaissIndexFiles>();
        services.AddSingleton<FaissActivator>();
        services.AddHostedService<VectorIndexStartup>();
        services.AddHostedService<VectorIndexMaintenance>();

        // Stateless adapters that are the single implementation of a port are found by convention.
        services.Scan(scan => scan
            .FromAssemblyOf<InfrastructureAssembly>()
            .AddClasses(classes => classes.AssignableToAny(
                    typeof(IHealthProbe), typeof(IUseCaseMetrics), typeof(IAnalysisMetrics), typeof(IAnalysisStore), typeof(ICadReader), typeof(IVectorStore)),
                publicOnly: false)
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        return services;
    }
}

/// <summary>Anchor for assembly scanning.</summary>
internal sealed class InfrastructureAssembly;
