namespace CadMl.Domain.Features;

public enum SlotGroup
{
    Geometric,
    Semantic,
}

/// <summary>One position of the stored vector: its index, name, group and the version that introduced it.</summary>
public sealed record FeatureSlot(int Index, string Name, SlotGroup Group, FeatureVersion Since, string Formula);

/// <summary>
/// The canonical slot order of v1..v4: base(5) + semantic(2) + v2(5) + v3(10) + v4(2); and the
/// separate v5 layout (<see cref="V5"/>): shape(53) + structure(20) + drawing strokes(30).
/// </summary>
public static class FeatureSlots
{
    public const int V5StructureStart = 53;

    /// <summary>First of the drawing stroke slots (docs/FEATURES_V5.md), after the structure slots.</summary>
    public const int V5StrokeStart = 73;

    public const int V5Dimension = V5StrokeStart + Cad.ShapeSampler.StrokeDescriptors;

    public static IReadOnlyList<FeatureSlot> All { get; } =
    [
        new(0, "entity_count", SlotGroup.Geometric, FeatureVersion.V1, "n"),
        new(1, "bbox_width", SlotGroup.Geometric, FeatureVersion.V1, "w"),
        new(2, "bbox_height", SlotGroup.Geometric, FeatureVersion.V1, "h"),
        new(3, "bbox_depth", SlotGroup.Geometric, FeatureVersion.V1, "d"),
        new(4, "bbox_volume_estimate", SlotGroup.Geometric, FeatureVersion.V1, "max(w,0)*max(h,0)*max(d,0)"),
        new(5, "layer_count", SlotGroup.Semantic, FeatureVersion.V1, "distinct layers"),
        new(6, "complexity_high_flag", SlotGroup.Semantic, FeatureVersion.V1, "1 if n >= 500 else 0"),
        new(7, "norm_width", SlotGroup.Geometric, FeatureVersion.V2, "w/m, m = max(w,h,d,0)"),
        new(8, "norm_height", SlotGroup.Geometric, FeatureVersion.V2, "h/m"),
        new(9, "norm_depth", SlotGroup.Geometric, FeatureVersion.V2, "d/m"),
        new(10, "width_height_ratio", SlotGroup.Geometric, FeatureVersion.V2, "w/h if h > 0 else 0"),
        new(11, "width_depth_ratio", SlotGroup.Geometric, FeatureVersion.V2, "w/d if d > 0 else 0"),
        new(12, "solids_count", SlotGroup.Geometric, FeatureVersion.V3, "metadata.solids or 0"),
        new(13, "facets_count", SlotGroup.Geometric, FeatureVersion.V3, "metadata.facets or 0"),
        new(14, "avg_volume_per_entity", SlotGroup.Geometric, FeatureVersion.V3, "V/n if n > 0 else 0"),
        new(15, "solids_ratio", SlotGroup.Geometric, FeatureVersion.V3, "S/n if n > 0 else 0"),
        new(16, "facets_ratio", SlotGroup.Geometric, FeatureVersion.V3, "F/n if n > 0 else 0"),
        new(17, "top_kind_freq_1", SlotGroup.Geometric, FeatureVersion.V3, "largest kind count / n"),
        new(18, "top_kind_freq_2", SlotGroup.Geometric, FeatureVersion.V3, "2nd kind count / n"),
        new(19, "top_kind_freq_3", SlotGroup.Geometric, FeatureVersion.V3, "3rd kind count / n"),
        new(20, "top_kind_freq_4", SlotGroup.Geometric, FeatureVersion.V3, "4th kind count / n"),
        new(21, "top_kind_freq_5", SlotGroup.Geometric, FeatureVersion.V3, "5th kind count / n"),
        new(22, "surface_count", SlotGroup.Geometric, FeatureVersion.V4, "faces, surface types, metadata or face-like entities"),
        new(23, "shape_entropy", SlotGroup.Geometric, FeatureVersion.V4, "normalised Laplace-smoothed entropy of type counts"),
    ];

    /// <summary>
    /// v5 (docs/FEATURES_V5.md). Every value is standardised, (raw − mean) / scale with constants
    /// fixed per format in <see cref="ShapeStandardisation"/>, and clipped to ±4; the formulas below
    /// are the raw values. c = weighted centroid, R = RMS radius about c, λ1 ≥ λ2 ≥ λ3 the weighted
    /// covariance eigenvalues.
    /// </summary>
    public static IReadOnlyList<FeatureSlot> V5 { get; } = BuildV5();

    /// <summary>All slots of a version: the v1..v4 prefix of <see cref="All"/>, or <see cref="V5"/>.</summary>
    public static IReadOnlyList<FeatureSlot> Of(FeatureVersion version) =>
        version == FeatureVersion.V5 ? V5 : [.. All.Take(version.Dimension())];

    private static List<FeatureSlot> BuildV5()
    {
        var slots = new List<FeatureSlot>(V5Dimension);
        void Add(string name, SlotGroup group, string formula) => slots.Add(new FeatureSlot(slots.Count, name, group, FeatureVersion.V5, formula));

        Add("size_log", SlotGroup.Geometric, "log10 R (document units, mm for STEP/IGES); weighted ×0.25 after standardising");
        Add("elongation", SlotGroup.Geometric, "sqrt(λ2/λ1)");
        Add("flatness", SlotGroup.Geometric, "sqrt(λ3/λ1)");
        for (var i = 0; i < Cad.ShapeSampler.RadialBins; i++)
        {
            Add($"radial_{i + 1}", SlotGroup.Geometric, $"weighted share of |p−c|/R in [{i * 0.3:0.0##}, {(i + 1) * 0.3:0.0##})" + (i == Cad.ShapeSampler.RadialBins - 1 ? " and above" : ""));
        }

        for (var i = 0; i < Cad.ShapeSampler.DistanceBins; i++)
        {
            var width = Cad.ShapeSampler.DistanceRange / Cad.ShapeSampler.DistanceBins;
            Add($"distance_{i + 1}", SlotGroup.Geometric, $"pair-weighted share of |p−q|/R in [{i * width:0.0##}, {(i + 1) * width:0.0##})" + (i == Cad.ShapeSampler.DistanceBins - 1 ? " and above" : ""));
        }

        Add("size_phase_cos", SlotGroup.Geometric, "cos(2π·log10 R): the size's place within its decade, unchanged by ×10ᵏ");
        Add("size_phase_sin", SlotGroup.Geometric, "sin(2π·log10 R)");
        foreach (var q in (int[])[10, 25, 50, 75, 90])
        {
            Add($"edge_length_q{q}", SlotGroup.Geometric, $"log10(L/R) at the {q} % quantile of edge (STEP/IGES) or curve (DXF) lengths L");
        }

        Add("edge_phase_cos", SlotGroup.Geometric, "cos(2π·log10 median L): the median edge length's place within its decade");
        Add("edge_phase_sin", SlotGroup.Geometric, "sin(2π·log10 median L)");
        Add("edge_share_straight", SlotGroup.Geometric, "share of edges that are straight");
        Add("edge_share_circular", SlotGroup.Geometric, "share of edges that are circles, ellipses or their arcs");
        Add("edge_share_other", SlotGroup.Geometric, "share of edges on other curves (B-spline, polyline)");
        foreach (var q in (int[])[25, 50, 75])
        {
            Add($"radius_q{q}", SlotGroup.Geometric, $"log10(r/R) at the {q} % quantile of the radii r of circular edges (0 without any)");
        }

        Add("radius_phase_cos", SlotGroup.Geometric, "cos(2π·log10 median r)");
        Add("radius_phase_sin", SlotGroup.Geometric, "sin(2π·log10 median r)");
        Add("edge_log", SlotGroup.Geometric, "log10(1 + edges)");
        for (var i = 0; i < Cad.ShapeSampler.PhaseBins; i++)
        {
            Add($"edge_decade_{i + 1}", SlotGroup.Geometric, $"share of edges whose log10 L mod 1 is near {i * 0.1:0.0} (shared linearly between the two nearest of 10 circular bins)");
        }
        Add("entity_log", SlotGroup.Geometric, "log10(1 + n)");
        Add("surface_log", SlotGroup.Geometric, "log10(1 + surface_count) (v4 rule)");
        Add("surfaces_per_solid_log", SlotGroup.Geometric, "log10(1 + surface_count / max(1, solids))");
        Add("type_entropy", SlotGroup.Geometric, "v4 shape_entropy");
        foreach (var group in ShapeFeatures.SurfaceGroupNames)
        {
            Add($"surface_share_{group}", SlotGroup.Geometric, $"share of B-rep faces on {group} surfaces");
        }

        foreach (var group in ShapeFeatures.DrawingGroupNames)
        {
            Add($"entity_share_{group}", SlotGroup.Geometric, $"share of entities that are {group} entities");
        }

        Add("layer_log", SlotGroup.Semantic, "log10(1 + distinct layers)");
        for (var i = 0; i < Cad.ShapeSampler.AngleBins; i++)
        {
            Add($"stroke_angle_{i * 15}", SlotGroup.Geometric, $"drawings: length-pair-weighted share of the angle between two straight strokes near {i * 15}° (shared linearly between the two nearest of 7 bins over 0..90°)");
        }

        for (var i = 0; i < Cad.ShapeSampler.RadialAngleBins; i++)
        {
            Add($"stroke_radial_{i * 30}", SlotGroup.Geometric, $"drawings: length-weighted share of the angle between a stroke and the line from c to its midpoint near {i * 30}° (0° radial, 90° tangential)");
        }

        Add("stroke_ends_free", SlotGroup.Geometric, "drawings: share of stroke ends that meet no other stroke end");
        Add("stroke_ends_chain", SlotGroup.Geometric, "drawings: share of stroke ends shared by exactly two strokes");
        Add("stroke_ends_junction", SlotGroup.Geometric, "drawings: share of stroke ends shared by three or more strokes");
        Add("stroke_crossings", SlotGroup.Geometric, "drawings: share of non-parallel stroke pairs that cross (meet within 1e-4·R away from both strokes' ends)");
        Add("stroke_touches", SlotGroup.Geometric, "drawings: share of stroke ends lying on another stroke's interior (within 1e-4·R)");
        foreach (var (name, range) in (ReadOnlySpan<(string, string)>)[("0", "[0, 0.1)"), ("1", "[0.1, 0.3)"), ("2", "[0.3, 0.6)"), ("3", "0.6 and above")])
        {
            Add($"stroke_parallel_{name}", SlotGroup.Geometric, $"drawings: length-pair-weighted share of stroke pairs that are parallel (within 1.1°) and lie {range}·R apart");
        }

        foreach (var (name, centre) in (ReadOnlySpan<(string, string)>)[("none", "0"), ("half", "½ turn"), ("full", "a full turn")])
        {
            Add($"arc_span_{name}", SlotGroup.Geometric, $"drawings: share of arcs whose span is near {centre} (shared linearly between the centres 0, ½ and 1 turn)");
        }

        for (var i = 0; i < Cad.ShapeSampler.CornerBins; i++)
        {
            Add($"corner_angle_{i * 30}", SlotGroup.Geometric, $"drawings: share of stroke pairs meeting at a shared end at an angle near {i * 30}° (0° folded back, 180° straight on; the first 4 strokes at a point)");
        }
        return slots;
    }
}
