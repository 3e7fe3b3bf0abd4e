using CadMl.Application.Common.Ports;
using CadMl.Application.Model.Serving;

namespace CadMl.Infrastructure.Models;

/// <summary>No classifier, no readiness: an instance without a model would answer analyze without a class.</summary>
internal sealed class ServingModelProbe(ModelRegistry registry) : IHealthProbe
{
    public string Name => "model";

    public bool GatesReadiness => true;

    public ProbeReport Probe()
    {
        if (registry.Current is { } model)
        {
            return ProbeReport.Ok($"model {model.ModelVersion} serving", new Dictionary<string, object?>
            {
                ["model_version"] = model.ModelVersion,
                ["sha256"] = model.Sha256,
                ["feature_version"] = model.FeatureVersion,
                ["loaded_at"] = model.LoadedAt,
            });
        }

        var last = registry.LastReload;
        return ProbeReport.Failing(
            last is { Status: "failed" } ? $"no model loaded: the last load failed at stage {last.Stage} with {last.Code}" : "no model loaded",
            new Dictionary<string, object?> { ["last_reload"] = last });
    }
}
