using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Common.Ports;
using CadMl.Application.Faiss.Ports;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Model.Ports;
using CadMl.Application.Store.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.Caching;
using CadMl.Infrastructure.Models;
using CadMl.Infrastructure.Observability;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Faiss;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure;

public static class DependencyInjection
{
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetricsRegistry();
        services.AddHostedService<MetricsWarmup>();

        // Stateful singletons are registered explicitly: their lifetime is a design decision.
        services.AddSingleton<SqliteDatabase>();
        // One writer per process: group commit only works if every request-path write goes through it.
        services.AddSingleton<SqliteWriter>();
        services.AddSingleton<OrphanSweep>();
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton<IStoreFaults, SqliteStoreFaults>();
        services.AddSingleton<IStoreMaintenance, SqliteStoreMaintenance>();
        // The change log is read by the index owner and trimmed through what its holders still need.
        services.AddSingleton<IVectorChangeLog, SqliteVectorChangeLog>();
        services.AddSingleton<VectorChangeRetention>();
        services.AddHostedService<StoreInitializer>();
        services.AddHostedService<WalCheckpointer>();
        services.AddHostedService<IdempotencyKeyPurge>();
        services.AddSingleton<LruFeatureCache>();
        services.AddSingleton<IFeatureCache>(sp => sp.GetRequiredService<LruFeatureCache>());
        services.AddSingleton<IFeatureCacheControl>(sp => sp.GetRequiredService<LruFeatureCache>());

        // The ONNX Runtime adapter owns native sessions; start-up loads the bundled model through the reload use case.
        services.AddValidatedOptions<OnnxRuntimeOptions>(configuration);
        services.AddSingleton<IModelRuntime, OnnxRuntimeClassifier>();
        services.AddSingleton<FileServedModelRecord>();
        services.AddSingleton<IServedModelRecord>(sp => sp.GetRequiredService<FileServedModelRecord>());
        services.AddHostedService<StartupModelLoader>();
        services.AddSingleton<IDeploymentEnvironment, Hosting.HostDeploymentEnvironment>();

        // The similarity index owns native FAISS memory and the in-memory exact index: one per process.
        services.AddSingleton<VectorIndexMetrics>();
        services.AddSingleton<SimilarityIndex>();
        services.AddSingleton<IVectorIndex>(sp => sp.GetRequiredService<SimilarityIndex>());
        services.AddSingleton<IMigrationIndex>(sp => sp.GetRequiredService<SimilarityIndex>());
        services.AddSingleton<IFaissLibrary, FaissLibrary>();
        services.AddSingleton<FaissIndexFiles>();
        services.AddSingleton<FaissActivator>();
        services.AddHostedService<VectorIndexStartup>();
        services.AddHostedService<VectorIndexMaintenance>();

        // Degradation and recovery: one tracker per process; the state store is a swap point.
        services.AddSingleton<FaissRecoveryMetrics>();
        services.AddSingleton<IRecoveryStateStore>(sp =>
            sp.GetRequiredService<IOptions<FaissRecoveryOptions>>().Value.StateBackend == "redis"
                ? ActivatorUtilities.CreateInstance<RedisRecoveryStateStore>(sp)
                : ActivatorUtilities.CreateInstance<FileRecoveryStateStore>(sp));
        services.AddSingleton<FaissRecoveryCoordinator>();
        services.AddSingleton<IFaissRecovery>(sp => sp.GetRequiredService<FaissRecoveryCoordinator>());
        // After VectorIndexStartup: the loop's first sleep is computed from the state start-up left.
        services.AddHostedService<FaissRecoveryService>();

        // Stateless adapters that are the single implementation of a port are found by convention.
        services.Scan(scan => scan
            .FromAssemblyOf<InfrastructureAssembly>()
            .AddClasses(classes => classes.AssignableToAny(
                    typeof(IHealthProbe), typeof(IUseCaseMetrics), typeof(IBackgroundTaskMetrics), typeof(IAnalysisMetrics), typeof(IAnalysisStore), typeof(ICadReader),
                    typeof(IModelFileStore), typeof(IModelArtifactScanner), typeof(IModelMetrics),
                    typeof(IFeatureCacheMetrics), typeof(ICacheSettingsStore), typeof(IVectorStore),
                    typeof(IMigrationStore), typeof(IMigrationMetrics), typeof(IIdempotencyStore), typeof(IIdempotencyMetrics)),
                publicOnly: false)
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        return services;
    }
}

/// <summary>Anchor for assembly scanning.</summary>
internal sealed class InfrastructureAssembly;
