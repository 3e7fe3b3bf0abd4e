using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Application.Analysis.Ports;

/// <summary>The analysis path's measurements; names and labels are fixed by the dashboards and alerts.</summary>
public interface IAnalysisMetrics
{
    void Parsed(CadFormat format, TimeSpan elapsed);

    void Extracted(FeatureVersion version, TimeSpan elapsed, FeatureVector vector);

    void Finished(string status);

    void Rejected(string code);
}
