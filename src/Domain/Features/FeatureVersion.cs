namespace CadMl.Domain.Features;

/// <summary>
/// A feature layout. v1..v4 extend each other, so a v1..v4 vector of version a is a prefix of the
/// same document's vector of any version b ≥ a. v5 is a different layout (invariant shape
/// descriptors, docs/FEATURES_V5.md): no other version is a prefix of it, so a vector reaches or
/// leaves v5 only by extraction from its document.
/// </summary>
public enum FeatureVersion
{
    V1 = 1,
    V2 = 2,
    V3 = 3,
    V4 = 4,
    V5 = 5,
}

public static class FeatureVersions
{
    public static IReadOnlyList<FeatureVersion> All { get; } = [FeatureVersion.V1, FeatureVersion.V2, FeatureVersion.V3, FeatureVersion.V4, FeatureVersion.V5];

    public static IReadOnlyList<string> Names { get; } = ["v1", "v2", "v3", "v4", "v5"];

    /// <summary>Number of slots: v1 = 7, v2 = 12, v3 = 22, v4 = 24, v5 = <see cref="FeatureSlots.V5Dimension"/>.</summary>
    public static int Dimension(this FeatureVersion version) => version switch
    {
        FeatureVersion.V1 => 7,
        FeatureVersion.V2 => 12,
        FeatureVersion.V3 => 22,
        FeatureVersion.V4 => 24,
        FeatureVersion.V5 => FeatureSlots.V5Dimension,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, null),
    };

    public static string Name(this FeatureVersion version) => version switch
    {
        FeatureVersion.V1 => "v1",
        FeatureVersion.V2 => "v2",
        FeatureVersion.V3 => "v3",
        FeatureVersion.V4 => "v4",
        FeatureVersion.V5 => "v5",
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, null),
    };

    /// <summary>Parses "v1".."v5" (case-insensitive); anything else is not a version.</summary>
    public static bool TryParse(string? text, out FeatureVersion version)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "v1": version = FeatureVersion.V1; return true;
            case "v2": version = FeatureVersion.V2; return true;
            case "v3": version = FeatureVersion.V3; return true;
            case "v4": version = FeatureVersion.V4; return true;
            case "v5": version = FeatureVersion.V5; return true;
            default: version = default; return false;
        }
    }

    /// <summary>Parses a name already known to be valid (validated input or configuration).</summary>
    public static FeatureVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not a feature version (v1..v5).");

    /// <summary>True when <paramref name="from"/> and <paramref name="to"/> share a prefix layout (both in v1..v4), so padding or truncating is meaningful.</summary>
    public static bool ArePrefixCompatible(FeatureVersion from, FeatureVersion to) =>
        from != FeatureVersion.V5 && to != FeatureVersion.V5;

    /// <summary>The version whose dimension is <paramref name="dimension"/>, if any.</summary>
    public static FeatureVersion? ForDimension(int dimension) =>
        All.Cast<FeatureVersion?>().FirstOrDefault(v => v!.Value.Dimension() == dimension);
}
