using CadMl.Application.Model.Serving;

namespace CadMl.Application.Model.ReloadModel;

/// <summary>A successful load: the new model, the one it replaced, and how long each stage took.</summary>
public sealed record ModelReloadDto(
    string Status,
    ModelIdentity Model,
    ModelIdentity? Previous,
    bool Forced,
    IReadOnlyDictionary<string, double> StageDurationsMs,
    double TotalDurationMs);
