using CadMl.Application.Model.Serving;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// One stored analysis. The whole <see cref="CadDocument"/> is kept, not just the vector, so any
/// feature version can be recomputed exactly later (migration, classifier on another version).
/// </summary>
public sealed record AnalysisRecord(
    string Id,
    DateTimeOffset CreatedAt,
    string FileName,
    string Sha256,
    long SizeBytes,
    string? Material,
    string? ProjectId,
    CadDocument Document,
    FeatureVector Features,
    bool CacheHit,
    StageTimings Timings,
    ClassificationOutcome? Classification = null);

/// <summary>Milliseconds spent in each stage of one analysis.</summary>
public sealed record StageTimings(double HashMs, double ParseMs, double FeaturesMs, double StoreMs, double TotalMs);
