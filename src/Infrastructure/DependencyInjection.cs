using CadMl.Application.Common.Ports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Infrastructure;

public static class DependencyInjection
{
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        // Adapters that are the single implementation of a port are found by convention.
        services.Scan(scan => scan
            .FromAssemblyOf<InfrastructureAssembly>()
            .AddClasses(classes => classes.AssignableToAny(typeof(IHealthProbe), typeof(IUseCaseMetrics)), publicOnly: false)
            .AsImplementedInterfaces()
            .WithSingletonLifetime());
        return services;
    }
}

/// <summary>Anchor for assembly scanning.</summary>
internal sealed class InfrastructureAssembly;
