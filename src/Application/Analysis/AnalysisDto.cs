using CadMl.Application.Analysis.Ports;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Application.Analysis;

/// <summary>
/// An analysis as the API returns it, fresh or stored. <see cref="Similar"/> is filled by the
/// use case (analyze and get both search the index); null means the part has no vector any more.
/// </summary>
public sealed record AnalysisDto(
    string Id,
    DateTimeOffset CreatedAt,
    string FileName,
    string Format,
    string Sha256,
    long SizeBytes,
    string? Material,
    string? ProjectId,
    string FeatureVersion,
    FeaturesDto Features,
    DocumentDto Document,
    StageTimingsDto Timings,
    ClassificationDto? Classification,
    IReadOnlyList<SimilarVectorDto>? Similar,
    ClassificationIssueDto? ClassificationIssue = null)
{
    public static AnalysisDto From(AnalysisRecord record) => new(
        record.Id,
        record.CreatedAt,
        record.FileName,
        record.Document.Format.Name(),
        record.Sha256,
        record.SizeBytes,
        record.Material,
        record.ProjectId,
        record.Features.Version.Name(),
        new FeaturesDto(
            record.Features.Values,
            [.. FeatureSlots.Of(record.Features.Version).Select(s => s.Name)],
            record.Features.Values.Count,
            record.CacheHit),
        DocumentDto.From(record.Document),
        StageTimingsDto.From(record.Timings),
        record.Classification?.Classification,
        Similar: null,
        record.Classification?.Issue);
}

/// <summary>Milliseconds each stage of the analysis took (a stored analysis keeps those of its first run).</summary>
public sealed record StageTimingsDto(double HashMs, double ParseMs, double FeaturesMs, double StoreMs, double TotalMs)
{
    public static StageTimingsDto From(StageTimings timings) =>
        new(timings.HashMs, timings.ParseMs, timings.FeaturesMs, timings.StoreMs, timings.TotalMs);
}

public sealed record FeaturesDto(IReadOnlyList<double> Vector, IReadOnlyList<string> Slots, int Dimension, bool CacheHit);

/// <summary>
/// Extents and how far they can be trusted: <see cref="Accuracy"/> is exact, approximate or
/// unavailable (the file has geometry the reader cannot bound, so the zeros are not the part's),
/// and <see cref="AccuracyReasons"/> names the rules that made it so. Both are null for
/// analyses stored before readers reported them.
/// </summary>
public sealed record BoundsDto(
    double MinX,
    double MinY,
    double MinZ,
    double MaxX,
    double MaxY,
    double MaxZ,
    double Width,
    double Height,
    double Depth,
    string? Accuracy = null,
    IReadOnlyList<string>? AccuracyReasons = null);

public sealed record DocumentDto(
    long EntityCount,
    int LayerCount,
    IReadOnlyDictionary<string, int> Kinds,
    IReadOnlyDictionary<string, int> Layers,
    BoundsDto Bbox,
    string? Units,
    string Complexity,
    int? Solids,
    int? Facets,
    int? Surfaces,
    int? BrepFaces,
    IReadOnlyDictionary<string, int>? SurfaceTypes,
    IReadOnlyDictionary<string, string>? Facts)
{
    public static DocumentDto From(CadDocument document)
    {
        var b = document.Bounds;
        return new DocumentDto(
            document.EntityCount,
            document.Layers.Count,
            Ordered(document.Kinds),
            Ordered(document.Layers),
            new BoundsDto(
                b.MinX, b.MinY, b.MinZ, b.MaxX, b.MaxY, b.MaxZ, b.Width, b.Height, b.Depth,
                document.Metadata.BoundsAccuracy?.Quality.Name(),
                document.Metadata.BoundsAccuracy?.Reasons),
            document.Metadata.Units,
            document.Complexity.ToString().ToLowerInvariant(),
            document.Metadata.Solids,
            document.Metadata.Facets,
            document.Metadata.Surfaces,
            document.Brep?.Faces,
            document.Brep is null ? null : Ordered(document.Brep.SurfaceTypes),
            document.Metadata.Facts);
    }

    /// <summary>Insertion order is kept, so clients see kinds in first-seen order.</summary>
    private static Dictionary<string, int> Ordered(CountTable counts)
    {
        var map = new Dictionary<string, int>(counts.Count, StringComparer.Ordinal);
        foreach (var (name, count) in counts)
        {
            map[name] = count;
        }

        return map;
    }
}
