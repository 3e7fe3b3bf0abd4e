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
using CadMl.Application.Fleet.Ports;
using CadMl.Infrastructure.Caching;
using CadMl.Infrastructure.Fleet;
using CadMl.Infrastructure.Models;
using CadMl.Infrastructure.Observability;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Storage.Postgres;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Batching;
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
        services.AddSingleton<BuildInfoMetrics>();

        // Stateful singletons are registered explicitly: their lifetime is a design decision.
        AddDurableStore(services, configuration);
        services.AddSingleton<LruFeatureCache>();
        services.AddSingleton<IFeatureCache>(sp => sp.GetRequiredService<LruFeatureCache>());
        services.AddSingleton<IFeatureCacheControl>(sp => sp.GetRequiredService<LruFeatureCache>());

        // Fleet-wide controls live in the durable store, whichever backend it is.
        services.AddSingleton<ICacheSettingsStore, CacheSettingsRecordStore>();
        services.AddSingleton<IFleetLeaseStore, FleetLeaseStore>();
        services.AddSingleton<IDesiredModelStore, DesiredModelStore>();
        services.AddSingleton<LegacyCacheSettingsFile>();
        services.AddSingleton<Fleet.FleetStatePoller>();
        services.AddHostedService<CacheSettingsFollower>();

        // The ONNX Runtime adapter owns native sessions; start-up loads the bundled model through the reload use case.
        services.AddValidatedOptions<OnnxRuntimeOptions>(configuration);
        services.AddSingleton<IModelRuntime, OnnxRuntimeClassifier>();
        services.AddSingleton<FileServedModelRecord>();
        services.AddSingleton<IServedModelRecord>(sp => sp.GetRequiredService<FileServedModelRecord>());
        services.AddHostedService<StartupModelLoader>();
        services.AddHostedService<ModelFollower>();
        services.AddSingleton<IDeploymentEnvironment, Hosting.HostDeploymentEnvironment>();

        // The similarity index owns native FAISS memory and the in-memory exact index: one per process.
        services.AddValidatedOptions<VectorIndexOptions>(configuration);
        services.AddSingleton<VectorIndexMetrics>();
        services.AddSingleton<FaissFaultReports>();
        services.AddSingleton<SimilarityIndex>();
        // Request-path searches of one version share a native scan (SearchBatcher).
        services.AddSingleton<IVectorIndex>(sp => new BatchingVectorIndex(sp.GetRequiredService<SimilarityIndex>()));
        services.AddSingleton<IMigrationIndex>(sp => sp.GetRequiredService<SimilarityIndex>());
        services.AddSingleton<IFaissLibrary, FaissLibrary>();
        services.AddSingleton<FaissIndexFiles>();
        services.AddSingleton<FaissActivator>();
        services.AddHostedService<VectorIndexStartup>();
        // After the start-up load: from there on every change reaches the index through the log.
        services.AddSingleton<VectorIndexFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<VectorIndexFollower>());
        services.AddHostedService<VectorIndexMaintenance>();

        // Degradation and recovery: the decisions are the Application's use cases; here are the
        // hands (build FAISS, serve exact), the state store (a swap point) and the metrics.
        services.AddValidatedOptions<RecoveryStateOptions>(configuration);
        services.AddSingleton<IRecoveryMetrics, FaissRecoveryMetrics>();
        services.AddSingleton<IRecoveryStateStore>(sp =>
            sp.GetRequiredService<IOptions<RecoveryStateOptions>>().Value.StateBackend == "redis"
                ? ActivatorUtilities.CreateInstance<RedisRecoveryStateStore>(sp)
                : ActivatorUtilities.CreateInstance<FileRecoveryStateStore>(sp));
        services.AddSingleton<IFaissBackend, FaissRecoveryBackend>();
        // After VectorIndexStartup: the loop's first tick sees the state start-up left.
        services.AddHostedService<FaissRecoveryService>();

        // Stateless adapters that are the single implementation of a port are found by convention.
        services.Scan(scan => scan
            .FromAssemblyOf<InfrastructureAssembly>()
            .AddClasses(classes => classes.AssignableToAny(
                    typeof(IHealthProbe), typeof(IUseCaseMetrics), typeof(IBackgroundTaskMetrics), typeof(IAnalysisMetrics), typeof(ICadReader),
                    typeof(IModelFileStore), typeof(IModelArtifactScanner), typeof(IModelMetrics),
                    typeof(IFeatureCacheMetrics),
                    typeof(IMigrationMetrics), typeof(IIdempotencyMetrics)),
                publicOnly: false)
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        return services;
    }

    /// <summary>
    /// The durable store is a swap point (STORE_BACKEND): the embedded SQLite file, or a PostgreSQL
    /// database several processes share. Either way one <see cref="StoreStatus"/> says whether it
    /// serves, and one group-commit writer per process orders its writes.
    /// </summary>
    private static void AddDurableStore(IServiceCollection services, IConfiguration configuration)
    {
        var postgres = string.Equals(configuration["STORE_BACKEND"], DataOptions.PostgresBackend, StringComparison.Ordinal);
        services.AddSingleton(postgres
            ? new StoreStatus(DataOptions.PostgresBackend, PostgresDatabase.SchemaVersion)
            : new StoreStatus(DataOptions.SqliteBackend, SqliteDatabase.SchemaVersion));
        // The index's snapshot files read the store's status and identity through it, on either backend.
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton<VectorChangeRetention>();
        services.AddSingleton<IAnalysisStore, AnalysisStore>();
        services.AddSingleton<IIdempotencyStore, IdempotencyStore>();
        services.AddHostedService<IdempotencyKeyPurge>();
        services.AddSingleton<IReplicaHeartbeats, ReplicaHeartbeats>();
        services.AddHostedService<ReplicaHeartbeatService>();
        services.AddSingleton<IVectorStore, VectorStore>();
        // The change log is read by the index owner and trimmed through what its holders still need.
        services.AddSingleton<IVectorChangeLog, VectorChangeLog>();
        services.AddSingleton<IMigrationStore, MigrationStore>();
        if (postgres)
        {
            services.AddSingleton<PostgresDatabase>();
            services.AddSingleton<PostgresWriter>();
            services.AddSingleton<IStoreFaults, PostgresStoreFaults>();
            services.AddSingleton<IStoreMaintenance, PostgresStoreMaintenance>();
            services.AddSingleton<IVectorChangeDoorbell, PostgresChangeDoorbell>();
            services.AddSingleton<IStoreDatabase, PostgresStoreDatabase>();
            services.AddHostedService<PostgresStoreInitializer>();
            services.AddHostedService<EarlierLayoutStartupAudit>();
            // After the initialiser: it watches a store that has opened.
            services.AddHostedService<PostgresReachability>();
            return;
        }

        // One writer per process: group commit only works if every request-path write goes through it.
        services.AddSingleton<SqliteWriter>();
        services.AddSingleton<OrphanSweep>();
        services.AddSingleton<IStoreFaults, SqliteStoreFaults>();
        services.AddSingleton<IStoreMaintenance, SqliteStoreMaintenance>();
        services.AddSingleton<IVectorChangeDoorbell, PollOnlyDoorbell>();
        services.AddSingleton<IStoreDatabase, SqliteStoreDatabase>();
        services.AddHostedService<StoreInitializer>();
        services.AddHostedService<EarlierLayoutStartupAudit>();
        services.AddHostedService<WalCheckpointer>();
    }
}

/// <summary>Anchor for assembly scanning.</summary>
internal sealed class InfrastructureAssembly;
