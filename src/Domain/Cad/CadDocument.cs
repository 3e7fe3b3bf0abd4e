namespace CadMl.Domain.Cad;

/// <summary>Facts a reader found beyond entity counts; absent values stay null, they are not zero.</summary>
public sealed record CadMetadata(
    int? Solids = null,
    int? Facets = null,
    int? Surfaces = null,
    string? Units = null,
    IReadOnlyDictionary<string, string>? Facts = null)
{
    public static readonly CadMetadata None = new();
}

/// <summary>B-rep facts for STEP/IGES sources: face count and the geometry types the faces lie on.</summary>
public sealed record BrepSummary(int Faces, CountTable SurfaceTypes);

/// <summary>
/// What a reader makes of a CAD file: entity kind counts (upper-case kind), layer counts, extents,
/// metadata, optional B-rep facts and the shape digest feature v5 is computed from (null for
/// documents stored before v5 existed: those cannot give v5 without their file).
/// Everything the feature vectors need, nothing format-specific.
/// </summary>
public sealed record CadDocument(
    CadFormat Format,
    CountTable Kinds,
    CountTable Layers,
    BoundingBox Bounds,
    CadMetadata Metadata,
    BrepSummary? Brep = null,
    ShapeSummary? Shape = null)
{
    /// <summary>n: the number of entities, the sum of kind counts.</summary>
    public long EntityCount => Kinds.Total;

    public Complexity Complexity => EntityCount switch
    {
        < 50 => Complexity.Low,
        < 500 => Complexity.Medium,
        _ => Complexity.High,
    };
}

public enum Complexity
{
    Low,
    Medium,
    High,
}
