namespace CadMl.Domain.Features;

public enum SlotGroup
{
    Geometric,
    Semantic,
}

/// <summary>One position of the stored vector: its index, name, group and the version that introduced it.</summary>
public sealed record FeatureSlot(int Index, string Name, SlotGroup Group, FeatureVersion Since, string Formula);

/// <summary>The canonical slot order: base(5) + semantic(2) + v2(5) + v3(10) + v4(2).</summary>
public static class FeatureSlots
{
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

    public static IReadOnlyList<FeatureSlot> Of(FeatureVersion version) => [.. All.Take(version.Dimension())];
}
