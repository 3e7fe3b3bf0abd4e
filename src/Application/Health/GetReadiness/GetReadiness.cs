using Ardalis.Result;
using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Health.GetReadiness;

/// <summary>Whether this instance may take traffic: every readiness-gating component must be healthy.</summary>
public sealed record GetReadinessQuery : IUseCaseQuery<ReadinessDto>;

public sealed record ReadinessDto(string Status, IReadOnlyDictionary<string, ComponentStatusDto> Checks);

internal sealed class GetReadinessHandler(IEnumerable<IHealthProbe> probes) : IQueryHandler<GetReadinessQuery, Result<ReadinessDto>>
{
    public ValueTask<Result<ReadinessDto>> Handle(GetReadinessQuery query, CancellationToken cancellationToken)
    {
        var checks = new SortedDictionary<string, ComponentStatusDto>(StringComparer.Ordinal);
        var failing = new List<string>();
        foreach (var probe in probes.Where(p => p.GatesReadiness))
        {
            var report = probe.Probe();
            checks[probe.Name] = new ComponentStatusDto(report.Healthy ? "ok" : "failing", report.Detail, report.Facts);
            if (!report.Healthy)
            {
                failing.Add(probe.Name);
            }
        }

        if (failing.Count > 0)
        {
            return ValueTask.FromResult(new Problem(ErrorCodes.NotReady, "readiness",
                $"Not ready: {string.Join(", ", failing)}.",
                new Dictionary<string, object?> { ["failing"] = failing, ["checks"] = checks }).ToResult<ReadinessDto>());
        }

        return ValueTask.FromResult(Result.Success(new ReadinessDto("ready", checks)));
    }
}
