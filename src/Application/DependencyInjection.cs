using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors;
using FluentValidation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CadMl.Application;

public static class DependencyInjection
{
    public static IServiceCollection AddApplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            // Order matters: log and time everything, answer store faults for every use case,
            // refuse concurrent exclusive work before validating, and validate before any handler
            // sees the message.
            options.PipelineBehaviors =
            [
                typeof(LoggingBehaviour<,>),
                typeof(MetricsBehaviour<,>),
                typeof(StoreFaultBehaviour<,>),
                typeof(ExclusiveBehaviour<,>),
                typeof(ValidationBehaviour<,>),
            ];
        });

        services.AddValidatorsFromAssembly(typeof(DependencyInjection).Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ExclusiveGates>();
        services.AddSingleton<Common.Background.BackgroundTasks>();
        services.AddSingleton<FeatureCache.CacheSettingsState>();
        services.AddSingleton<Common.Fleet.FleetLeases>();

        // One write path for vectors per process: it serialises store and index updates.
        services.AddSingleton<VectorRegistry>();
        services.AddSingleton<GenerationGate>();
        services.AddScoped<WrittenGeneration>();
        services.AddSingleton<ISimilarParts, SimilarParts>();
        services.AddSingleton<Analysis.AnalysisWorkers>();
        services.AddSingleton<Migration.MigrationProgress>();
        services.AddSingleton<Common.Idempotency.IdempotentRequests>();

        services.AddValidatedOptions<DataOptions>(configuration);
        services.AddValidatedOptions<AnalysisOptions>(configuration);
        services.AddValidatedOptions<IdempotencyOptions>(configuration);
        services.AddValidatedOptions<FeatureCacheOptions>(configuration);
        services.AddValidatedOptions<RecoveryPolicyOptions>(configuration);
        services.AddValidatedOptions<FleetControlOptions>(configuration);
        services.AddValidatedOptions<ModelOptions>(configuration);
        services.AddValidatedOptions<ReplicaOptions>(configuration);
        services.AddSingleton(sp => Fleet.ReplicaIdentity.From(
            sp.GetRequiredService<IOptions<ReplicaOptions>>().Value, sp.GetRequiredService<IOptions<DataOptions>>().Value));

        // The serving model and what scans have seen belong to the process, not to a request.
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<OpcodeAudit>();
        services.AddSingleton<PartClassifier>();
        services.AddValidatedOptions<SimilarPartsOptions>(configuration);

        // One degradation tracker per process; the recovery use cases are its only callers.
        services.AddSingleton<Faiss.FaissDegradation>();
        services.AddSingleton<Faiss.RecoveryWakeup>();
        services.AddSingleton<Faiss.IndexRebuildLease>();
        services.AddSingleton<Common.Ports.IHealthProbe, Faiss.FaissHealthProbe>();
        return services;
    }
}
