using Ardalis.Result;
using CadMl.Application.Common.Ports;
using Mediator;

namespace CadMl.Application.Health.GetHealth;

/// <summary>Liveness with an explanation: always answers while the process serves, and says what is degraded.</summary>
public sealed record GetHealthQuery : IUseCaseQuery<HealthDto>;

public sealed record HealthDto(string Status, IReadOnlyList<string> Reasons, IReadOnlyDictionary<string, ComponentStatusDto> Components);

internal sealed class GetHealthHandler(IEnumerable<IHealthProbe> probes) : IQueryHandler<GetHealthQuery, Result<HealthDto>>
{
    public ValueTask<Result<HealthDto>> Handle(GetHealthQuery query, CancellationToken cancellationToken)
    {
        var components = new SortedDictionary<string, ComponentStatusDto>(StringComparer.Ordinal);
        var reasons = new List<string>();
        foreach (var probe in probes)
        {
            var report = probe.Probe();
            components[probe.Name] = new ComponentStatusDto(report.Healthy ? "ok" : "degraded", report.Detail, report.Facts);
            if (!report.Healthy)
            {
                reasons.Add($"{probe.Name}: {report.Detail}");
            }
        }

        var dto = new HealthDto(reasons.Count == 0 ? "ok" : "degraded", reasons, components);
        return ValueTask.FromResult(Result.Success(dto));
    }
}
