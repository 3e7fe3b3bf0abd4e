using CadMl.Application.Common.Ports;

namespace CadMl.Application.Faiss;

/// <summary>
/// Similarity search is always answered (exact search covers for FAISS), so this never gates
/// readiness; it marks the instance degraded, with the reason, while FAISS is degraded.
/// </summary>
internal sealed class FaissHealthProbe(FaissDegradation degradation) : IHealthProbe
{
    public string Name => "vector_index";

    public bool GatesReadiness => false;

    public ProbeReport Probe()
    {
        var health = degradation.Health();
        var facts = new Dictionary<string, object?>
        {
            ["backend"] = health.Backend,
            ["kind"] = health.Index.Type,
            ["size"] = health.Index.Size,
            ["state_backend"] = health.StateBackend,
        };
        return health.Degraded
            ? ProbeReport.Failing($"similarity search degraded to exact: {health.Reason}", facts)
            : ProbeReport.Ok($"serving from {health.Backend}", facts);
    }
}
