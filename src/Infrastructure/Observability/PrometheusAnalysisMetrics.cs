using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

/// <summary>Names and buckets are a contract with the alert rules and the dashboard.</summary>
internal sealed class PrometheusAnalysisMetrics(IMetricFactory metrics) : IAnalysisMetrics
{
    private readonly Histogram _extraction = metrics.CreateHistogram(
        "feature_extraction_latency_seconds",
        "Feature extraction time from a parsed document, by feature version.",
        new HistogramConfiguration { LabelNames = ["version"], Buckets = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2] });

    private readonly Histogram _parse = metrics.CreateHistogram(
        "cad_parse_duration_seconds",
        "Time to parse one uploaded file, by format.",
        new HistogramConfiguration { LabelNames = ["format"], Buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30] });

    private readonly Histogram _surfaceCount = metrics.CreateHistogram(
        "v4_surface_count",
        "surface_count slot of extracted v4 vectors.",
        new HistogramConfiguration { Buckets = [0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000] });

    private readonly Histogram _shapeEntropy = metrics.CreateHistogram(
        "v4_shape_entropy",
        "shape_entropy slot of extracted v4 vectors (0..1).",
        new HistogramConfiguration { Buckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] });

    private readonly Counter _requests = Outcomes(metrics.CreateCounter(
        "analysis_requests_total", "Analysis requests by outcome.", new CounterConfiguration { LabelNames = ["status"] }));

    private readonly Counter _rejections = metrics.CreateCounter(
        "analysis_rejections_total", "Rejected analysis requests by error code.", new CounterConfiguration { LabelNames = ["code"] });

    public void Parsed(CadFormat format, TimeSpan elapsed) => _parse.WithLabels(format.Name()).Observe(elapsed.TotalSeconds);

    public void Extracted(FeatureVersion version, TimeSpan elapsed, FeatureVector vector)
    {
        _extraction.WithLabels(version.Name()).Observe(elapsed.TotalSeconds);
        if (version == FeatureVersion.V4)
        {
            _surfaceCount.Observe(vector.Values[22]);
            _shapeEntropy.Observe(vector.Values[23]);
        }
    }

    public void Finished(string status) => _requests.WithLabels(status).Inc();

    public void Rejected(string code) => _rejections.WithLabels(code).Inc();

    /// <summary>Both outcomes exist from the start at 0, so the first rejection shows as an increase.</summary>
    private static Counter Outcomes(Counter requests)
    {
        requests.WithLabels("ok");
        requests.WithLabels("rejected");
        return requests;
    }
}
