using CadMl.Domain.Classification;

namespace CadMl.Application.Model.Ports;

/// <summary>The model metrics; their names are a contract with dashboards and alerts (DESIGN.md §3, §4).</summary>
public interface IModelMetrics
{
    void ReloadFinished(string status);

    void StageTimed(ReloadStage stage, TimeSpan elapsed);

    void SecurityFailure(string reason);

    void Scanned(OpcodeScanVerdict verdict);

    void Inferred(TimeSpan elapsed, string label);
}
