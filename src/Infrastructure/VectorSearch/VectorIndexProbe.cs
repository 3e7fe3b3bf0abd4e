using CadMl.Application.Common.Ports;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Similarity search is always answered (exact search covers for FAISS), so this never gates
/// readiness; it marks the instance degraded when the configured FAISS index is not serving.
/// </summary>
internal sealed class VectorIndexProbe(SimilarityIndex index) : IHealthProbe
{
    public string Name => "vector_index";

    public bool GatesReadiness => false;

    public ProbeReport Probe()
    {
        var facts = index.Facts();
        var details = new Dictionary<string, object?>
        {
            ["backend"] = facts.Backend,
            ["kind"] = facts.Kind,
            ["size"] = facts.Size,
            ["generation"] = facts.Generation,
        };
        return !index.UsesFaiss || index.FaissServing
            ? ProbeReport.Ok($"serving from {facts.Backend}", details)
            : ProbeReport.Failing("FAISS is not serving; similarity search runs on the exact index", details);
    }
}
