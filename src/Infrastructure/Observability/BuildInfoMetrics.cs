using CadMl.Application.Fleet;
using CadMl.Application.Model.Serving;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

/// <summary>
/// <c>cadml_build_info{version,track,replica,model_sha256} 1</c>: the one series that says what this
/// target runs. Replica and track are identity, so they are joined onto other series in PromQL
/// (<c>* on (instance) group_left (track) cadml_build_info</c>) or set as target labels by the scrape
/// configuration, instead of being repeated on every series. The model label follows reloads: the
/// old label set is removed so exactly one series is 1.
/// </summary>
internal sealed class BuildInfoMetrics
{
    public BuildInfoMetrics(IMetricFactory metrics, CollectorRegistry registry, ReplicaIdentity identity, ModelRegistry models)
    {
        var info = metrics.CreateGauge("cadml_build_info", "Always 1: the build version, release track, replica id and serving model SHA-256 of this target.",
            new GaugeConfiguration { LabelNames = ["version", "track", "replica", "model_sha256"] });
        string? shown = null;
        var gate = new object();
        void Refresh()
        {
            var sha = models.Current?.Sha256 ?? "none";
            lock (gate)
            {
                if (shown == sha)
                {
                    return;
                }

                if (shown is not null)
                {
                    info.RemoveLabelled(identity.Version, identity.Track, identity.Id, shown);
                }

                info.WithLabels(identity.Version, identity.Track, identity.Id, sha).Set(1);
                shown = sha;
            }
        }

        Refresh();
        registry.AddBeforeCollectCallback(Refresh);
    }
}
