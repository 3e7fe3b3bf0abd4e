namespace CadMl.Domain.Cad;

/// <summary>How far the extents a reader reports can be trusted; wire names exact, approximate, unavailable.</summary>
public enum BoundsQuality
{
    /// <summary>The box is the box of the geometry (up to floating-point rounding).</summary>
    Exact,

    /// <summary>A box was computed, but by a rule that can make it larger or smaller; the reasons say which.</summary>
    Approximate,

    /// <summary>The file has geometry, but none the reader can bound; the all-zero box is not the part's.</summary>
    Unavailable,
}

/// <summary>
/// The quality of a document's <see cref="BoundingBox"/> and why it is not exact. Clients that
/// compare sizes (dedup, quoting) need to know when a box is an estimate rather than a measure.
/// </summary>
public sealed record BoundsAccuracy(BoundsQuality Quality, IReadOnlyList<string> Reasons)
{
    /// <summary>Larger than the geometry: spline extents taken from control points (the convex hull).</summary>
    public const string SplineControlPoints = "spline_control_points";

    /// <summary>Smaller than the geometry: a doubly curved face may bulge past all of its edges.</summary>
    public const string CurvedFaceBulge = "curved_face_bulge";

    /// <summary>Smaller than the geometry: placements beyond the reader's cap were not applied.</summary>
    public const string PartialPlacements = "partial_placements";

    /// <summary>Larger than the geometry: instances placed by the transformed corners of their own box.</summary>
    public const string PlacedByBox = "placed_by_transformed_box";

    /// <summary>Either way: a transformation the reader does not apply was taken as identity.</summary>
    public const string UnappliedTransformation = "unapplied_transformation";

    /// <summary>Either way: conic arcs other than circles bounded by their end points only.</summary>
    public const string ConicEndPoints = "conic_arc_end_points";

    /// <summary>Either way: no topology or curve set, so every point of the file was used.</summary>
    public const string EveryPoint = "every_point_in_file";

    /// <summary>Smaller than the geometry: block expansion stopped at the work budget.</summary>
    public const string BlockExpansionBudget = "block_expansion_budget";

    /// <summary>Either way: text and similar annotation bounded by an estimate of its glyphs.</summary>
    public const string TextEstimate = "text_estimate";

    /// <summary>Smaller than the geometry: a DXF leader arrow names neither a block of the file nor a built-in arrow, so it is not drawn.</summary>
    public const string LeaderArrowheads = "leader_arrowheads_not_measured";

    /// <summary>Smaller than the geometry: the text underline a DXF MULTILEADER draws as long as its text is wide is not measured.</summary>
    public const string MultileaderGraphics = "multileader_not_measured";

    /// <summary>Either way: a DXF leader drawn as a spline is bounded by its vertices; the fitted curve can swing past them.</summary>
    public const string LeaderSplinePath = "leader_spline_path";

    /// <summary>Smaller than the geometry: the hook line a DXF LEADER draws towards its text (text width plus gap) is not measured.</summary>
    public const string LeaderHookline = "leader_hookline_not_measured";

    /// <summary>No box: the geometry present is of kinds the reader cannot bound.</summary>
    public const string NoBoundableGeometry = "no_boundable_geometry";

    public static BoundsAccuracy Exact { get; } = new(BoundsQuality.Exact, []);

    /// <summary>Exact when no reason is given, otherwise approximate for the distinct reasons, in order.</summary>
    public static BoundsAccuracy From(IEnumerable<string> reasons)
    {
        var distinct = reasons.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 0 ? Exact : new BoundsAccuracy(BoundsQuality.Approximate, distinct);
    }

    public static BoundsAccuracy Unavailable(string reason) => new(BoundsQuality.Unavailable, [reason]);
}

public static class BoundsQualities
{
    /// <summary>The wire name: exact, approximate, unavailable.</summary>
    public static string Name(this BoundsQuality quality) => quality switch
    {
        BoundsQuality.Exact => "exact",
        BoundsQuality.Approximate => "approximate",
        BoundsQuality.Unavailable => "unavailable",
        _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, null),
    };
}
