using System.Text.Json;
using System.Text.Json.Serialization;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The stored form of a <see cref="CadDocument"/>. Counts are arrays of [name, count] pairs so
/// first-seen order survives the round trip: features recomputed later must equal the originals
/// bit for bit.
/// </summary>
internal static class CadDocumentJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(CadDocument document) => JsonSerializer.Serialize(new Stored(
        document.Format.Name(),
        Pairs(document.Kinds),
        Pairs(document.Layers),
        [document.Bounds.MinX, document.Bounds.MinY, document.Bounds.MinZ, document.Bounds.MaxX, document.Bounds.MaxY, document.Bounds.MaxZ],
        new StoredMetadata(
            document.Metadata.Solids,
            document.Metadata.Facets,
            document.Metadata.Surfaces,
            document.Metadata.Units,
            document.Metadata.Facts,
            document.Metadata.BoundsAccuracy is { } accuracy ? new StoredAccuracy(QualityName(accuracy.Quality), accuracy.Reasons) : null),
        document.Brep is null ? null : new StoredBrep(document.Brep.Faces, Pairs(document.Brep.SurfaceTypes)),
        document.Shape is null ? null : new StoredShape(document.Shape.Samples, document.Shape.RmsRadius, [.. document.Shape.Spread], [.. document.Shape.Radial], [.. document.Shape.Distances], document.Shape.Edges is null ? null : [.. document.Shape.Edges], document.Shape.Strokes is null ? null : [.. document.Shape.Strokes])), Options);

    public static CadDocument Deserialize(string json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json, Options)
            ?? throw new InvalidDataException("A stored document is null.");
        var b = stored.Bounds;
        return new CadDocument(
            ParseFormat(stored.Format),
            Table(stored.Kinds),
            Table(stored.Layers),
            new BoundingBox(b[0], b[1], b[2], b[3], b[4], b[5]),
            new CadMetadata(
                stored.Metadata.Solids,
                stored.Metadata.Facets,
                stored.Metadata.Surfaces,
                stored.Metadata.Units,
                stored.Metadata.Facts,
                stored.Metadata.BoundsAccuracy is { } accuracy ? new BoundsAccuracy(ParseQuality(accuracy.Quality), accuracy.Reasons) : null),
            stored.Brep is null ? null : new BrepSummary(stored.Brep.Faces, Table(stored.Brep.SurfaceTypes)),
            stored.Shape is null ? null : new ShapeSummary(stored.Shape.Samples, stored.Shape.RmsRadius, stored.Shape.Spread, stored.Shape.Radial, stored.Shape.Distances, stored.Shape.Edges, stored.Shape.Strokes));
    }

    private static CadFormat ParseFormat(string name) => name switch
    {
        "dxf" => CadFormat.Dxf,
        "stl" => CadFormat.Stl,
        "step" => CadFormat.Step,
        "iges" => CadFormat.Iges,
        _ => throw new InvalidDataException($"Unknown stored format '{name}'."),
    };

    private static string QualityName(BoundsQuality quality) => quality.Name();

    private static BoundsQuality ParseQuality(string name) => name switch
    {
        "exact" => BoundsQuality.Exact,
        "approximate" => BoundsQuality.Approximate,
        "unavailable" => BoundsQuality.Unavailable,
        _ => throw new InvalidDataException($"Unknown stored bounds quality '{name}'."),
    };

    private static List<JsonElement[]> Pairs(CountTable table) =>
        [.. table.Select(c => new[] { JsonSerializer.SerializeToElement(c.Name), JsonSerializer.SerializeToElement(c.Count) })];

    private static CountTable Table(List<JsonElement[]> pairs) =>
        new(pairs.Select(p => new NamedCount(p[0].GetString()!, p[1].GetInt32())));

    /// <summary>Documents stored before feature v5 have no shape: they read back with <c>Shape = null</c>.</summary>
    private sealed record Stored(string Format, List<JsonElement[]> Kinds, List<JsonElement[]> Layers, double[] Bounds, StoredMetadata Metadata, StoredBrep? Brep, StoredShape? Shape = null);

    private sealed record StoredMetadata(int? Solids, int? Facets, int? Surfaces, string? Units, IReadOnlyDictionary<string, string>? Facts, StoredAccuracy? BoundsAccuracy = null);

    private sealed record StoredAccuracy(string Quality, IReadOnlyList<string> Reasons);

    private sealed record StoredBrep(int Faces, List<JsonElement[]> SurfaceTypes);

    /// <summary>The v5 shape digest: 26 numbers, 26 edge descriptors (absent before they existed) and a count, under a kilobyte per analysis.</summary>
    private sealed record StoredShape(int Samples, double RmsRadius, double[] Spread, double[] Radial, double[] Distances, double[]? Edges = null, double[]? Strokes = null);
}
