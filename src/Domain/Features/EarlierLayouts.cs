using CadMl.Domain.Cad;

namespace CadMl.Domain.Features;

/// <summary>
/// Layouts a version had in an earlier release, which a store written by that release still
/// holds. v5 had 73 slots before the drawing stroke slots 73–102 were added: such a vector is not
/// a v5 vector of today and must never be searched against one (docs/FEATURES_V5.md, Upgrading).
/// </summary>
public static class EarlierLayouts
{
    /// <summary>The length of a v5 vector written before the stroke slots.</summary>
    public const int V5BeforeStrokes = FeatureSlots.V5StrokeStart;

    /// <summary>True when <paramref name="length"/> is an earlier layout of <paramref name="version"/>.</summary>
    public static bool IsEarlier(FeatureVersion version, int length) =>
        version == FeatureVersion.V5 && length == V5BeforeStrokes;

    /// <summary>
    /// True when an earlier-layout vector of a file in <paramref name="format"/> becomes today's
    /// vector exactly by appending zeros: the stroke slots are 0 by definition for every format but
    /// DXF (their scale is 0 there), and slots 0–72 of those formats did not change. A drawing's
    /// stroke slots need the drawing's strokes, which the earlier release never stored.
    /// </summary>
    public static bool PadsExactly(CadFormat? format) =>
        format is CadFormat.Step or CadFormat.Iges or CadFormat.Stl;

    /// <summary>Today's vector of an earlier-layout one whose format pads exactly; null otherwise.</summary>
    public static FeatureVector? Upgrade(FeatureVersion version, IReadOnlyList<double> values, CadFormat? format) =>
        IsEarlier(version, values.Count) && PadsExactly(format) ? Padded(version, values) : null;

    /// <summary>The values followed by zeros up to today's dimension of <paramref name="version"/>.</summary>
    internal static FeatureVector Padded(FeatureVersion version, IReadOnlyList<double> values)
    {
        var padded = new double[version.Dimension()];
        for (var i = 0; i < values.Count; i++)
        {
            padded[i] = values[i];
        }

        return FeatureVector.Wrap(version, padded);
    }

    /// <summary>
    /// True when <paramref name="document"/> carries every fact v5 is computed from. A drawing's
    /// digest stored before the stroke slots has edges but no strokes (today every drawing edge
    /// comes with a stroke or an arc span), so v5 from it would put 0 where the drawing has strokes:
    /// not the file's v5, and it must not pass for it.
    /// </summary>
    public static bool HasV5Facts(CadDocument document) =>
        document.Shape is { } shape && !(document.Format == CadFormat.Dxf && shape.Edges is not null && shape.Strokes is null);
}
