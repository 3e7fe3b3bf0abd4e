using CadMl.Domain.Cad;

namespace CadMl.Domain.Features;

/// <summary>
/// Feature v5 (docs/FEATURES_V5.md): invariant shape descriptors plus structure shares, each slot
/// standardised with constants that are part of the version (<see cref="ShapeStandardisation"/>)
/// and clipped, so no slot can dominate the vector and a cosine score between two parts means
/// "how alike", not "how big". Pure and deterministic: fixed order of every sum.
/// </summary>
public static class ShapeFeatures
{
    /// <summary>Standardised values are clipped to ±this: a bounded share of any vector's length.</summary>
    public const double Clip = 4.0;

    /// <summary>
    /// The size slot counts an eighth of a structure slot: it informs, it never decides. At this
    /// weight a copy scaled ×10 still scores ≥ 0.99 against its original (docs/EVALUATION.md).
    /// </summary>
    public const double SizeWeight = 0.2;

    /// <summary>
    /// Each of the 22 histogram bins is noisy on its own; together at this weight they carry about
    /// as much as the extent ratios (chosen with build/evaluate on the fitting half).
    /// </summary>
    public const double HistogramWeight = 0.4;

    /// <summary>The decade phases of the part's size and of its median edge length.</summary>
    public const double PhaseWeight = 1.0;

    /// <summary>Quantiles of edge length relative to the part's size.</summary>
    public const double EdgeLengthWeight = 1.5;

    /// <summary>Shares of straight, circular and other edges.</summary>
    public const double EdgeShareWeight = 1.0;

    /// <summary>Quantiles of circular edges' radii relative to the part's size.</summary>
    public const double RadiusWeight = 1.0;

    /// <summary>How many edges the part has.</summary>
    public const double EdgeCountWeight = 1.0;

    /// <summary>The decade-phase histogram of edge lengths.</summary>
    public const double DecadeWeight = 1.5;

    /// <summary>Structure (topology, type mix) tells part families apart best on real libraries.</summary>
    public const double StructureWeight = 1.5;

    /// <summary>
    /// Drawings: the stroke slots (angle between strokes, angle to the centroid, end degrees,
    /// parallel spacing, arc spans) count like a structure share each.
    /// </summary>
    public const double StrokeWeight = 1.0;

    /// <summary>Drawings: crossings and touches, the two single numbers of how strokes meet.</summary>
    public const double StrokeMeetWeight = 1.5;

    /// <summary>Drawings: the corner-angle histogram, noisier than the rest (a symbol's few corners).</summary>
    public const double CornerWeight = 0.5;

    /// <summary>
    /// Drawings only, with the stroke slots: the extent ratios and the edge kind shares count half,
    /// type entropy 1.5×. The stroke slots say much of what those said about a symbol's shape;
    /// chosen on the LibreCAD fitting half with the stroke slots (docs/EVALUATION.md).
    /// </summary>
    public const double DrawingExtentFactor = 0.5;

    public const double DrawingEdgeShareFactor = 0.5;

    public const double DrawingEntropyFactor = 1.5;

    /// <summary>
    /// Drawings only: the size's decade phase counts twice, the decade phases of the median edge
    /// and the median radius not at all. A library symbol is drawn on its library's grid, so where
    /// its size sits within a decade says which library it is from; the median of a symbol's many
    /// short strokes flips between lengths from symbol to symbol and only adds noise. Chosen on
    /// the LibreCAD fitting half (P@10 within it 32.4 % → 34.05 %), then measured on the test half.
    /// </summary>
    public const double DrawingSizePhaseFactor = 2.0;

    private static readonly string[] SurfaceGroups = ["plane", "cylinder", "cone", "sphere", "torus", "freeform", "other"];

    private static readonly string[] DrawingGroups = ["line", "arc", "polyline", "spline", "insert", "text", "fill", "dimension"];

    /// <summary>First slot of the digest's edge descriptors (docs/FEATURES_V5.md).</summary>
    public const int EdgeStart = 3 + ShapeSampler.RadialBins + ShapeSampler.DistanceBins + 2;

    /// <summary>stroke_crossings and stroke_touches.</summary>
    private const int StrokeMeetStart = FeatureSlots.V5StrokeStart + ShapeSampler.AngleBins + ShapeSampler.RadialAngleBins + 3;

    /// <summary>size_phase_cos and size_phase_sin, right before the edge slots.</summary>
    private const int SizePhaseStart = EdgeStart - 2;

    /// <summary>
    /// The raw (unstandardised) v5 values, in slot order; NaN where the document has no value
    /// (no shape digest, or a digest without edges), which standardises to 0, the population mean.
    /// Exposed for the evaluation tool's offline fit.
    /// </summary>
    public static double[] Raw(CadDocument document)
    {
        var values = new double[FeatureSlots.V5Dimension];
        values.AsSpan(0, FeatureSlots.V5StructureStart).Fill(double.NaN);
        values.AsSpan(FeatureSlots.V5StrokeStart).Fill(double.NaN);
        var shape = document.Shape;
        if (shape is not null)
        {
            values[0] = Math.Log10(shape.RmsRadius);
            var l1 = shape.Spread[0];
            values[1] = l1 > 0 ? Math.Sqrt(shape.Spread[1] / l1) : 0;
            values[2] = l1 > 0 ? Math.Sqrt(shape.Spread[2] / l1) : 0;
            for (var i = 0; i < ShapeSampler.RadialBins; i++)
            {
                values[3 + i] = shape.Radial[i];
            }

            for (var i = 0; i < ShapeSampler.DistanceBins; i++)
            {
                values[3 + ShapeSampler.RadialBins + i] = shape.Distances[i];
            }

            // The size's decade phase: unchanged by a unit change of a power of ten (mm, cm, m).
            var phase = 2 * Math.PI * values[0];
            values[EdgeStart - 2] = Math.Cos(phase);
            values[EdgeStart - 1] = Math.Sin(phase);
            if (shape.Edges is { Count: ShapeSampler.EdgeDescriptors } edges)
            {
                for (var i = 0; i < ShapeSampler.EdgeDescriptors; i++)
                {
                    values[EdgeStart + i] = edges[i];
                }
            }

            if (shape.Strokes is { Count: ShapeSampler.StrokeDescriptors } strokes)
            {
                for (var i = 0; i < ShapeSampler.StrokeDescriptors; i++)
                {
                    values[FeatureSlots.V5StrokeStart + i] = strokes[i];
                }
            }
        }

        const int s = FeatureSlots.V5StructureStart;
        double n = document.EntityCount;
        var surfaces = FeatureExtractor.SurfaceCount(document);
        double solids = document.Metadata.Solids ?? 0;
        values[s] = Math.Log10(1 + n);
        values[s + 1] = Math.Log10(1 + surfaces);
        values[s + 2] = Math.Log10(1 + (surfaces / Math.Max(1, solids)));
        values[s + 3] = FeatureExtractor.ShapeEntropy(FeatureExtractor.EntropyCounts(document));
        SurfaceShares(document, values.AsSpan(s + 4, SurfaceGroups.Length));
        DrawingShares(document.Kinds, values.AsSpan(s + 4 + SurfaceGroups.Length, DrawingGroups.Length));
        values[FeatureSlots.V5StrokeStart - 1] = Math.Log10(1 + document.Layers.Count);
        return values;
    }

    /// <summary>The v5 vector: raw values standardised with the document's format constants, clipped, weighted.</summary>
    public static void Fill(CadDocument document, Span<double> values)
    {
        var raw = Raw(document);
        var (mean, scale) = ShapeStandardisation.For(document.Format);
        for (var i = 0; i < raw.Length; i++)
        {
            // A value the document does not have says nothing: 0, the population mean.
            var z = scale[i] > 0 && !double.IsNaN(raw[i]) ? (raw[i] - mean[i]) / scale[i] : 0;
            z = Math.Clamp(z, -Clip, Clip);
            values[i] = z * Weight(i, document.Format);
        }
    }

    /// <summary>The weight of slot <paramref name="index"/> for a document of <paramref name="format"/>: drawings reweight the decade phases.</summary>
    public static double Weight(int index, CadFormat format) => format != CadFormat.Dxf
        ? Weight(index)
        : index switch
        {
            SizePhaseStart or SizePhaseStart + 1 => Weight(index) * DrawingSizePhaseFactor,
            EdgeStart + 5 or EdgeStart + 6 or EdgeStart + 13 or EdgeStart + 14 => 0,
            1 or 2 => Weight(index) * DrawingExtentFactor,
            EdgeStart + 7 or EdgeStart + 8 or EdgeStart + 9 => Weight(index) * DrawingEdgeShareFactor,
            FeatureSlots.V5StructureStart + 3 => Weight(index) * DrawingEntropyFactor,
            _ => Weight(index),
        };

    /// <summary>The weight of slot <paramref name="index"/> after standardising (docs/FEATURES_V5.md).</summary>
    public static double Weight(int index) => index switch
    {
        0 => SizeWeight,
        < 3 => 1.0,
        < EdgeStart - 2 => HistogramWeight,
        < EdgeStart => PhaseWeight,
        < EdgeStart + 5 => EdgeLengthWeight,
        < EdgeStart + 7 => PhaseWeight,
        < EdgeStart + 10 => EdgeShareWeight,
        < EdgeStart + 13 => RadiusWeight,
        < EdgeStart + 15 => PhaseWeight,
        < EdgeStart + 16 => EdgeCountWeight,
        < FeatureSlots.V5StructureStart => DecadeWeight,
        < FeatureSlots.V5StrokeStart => StructureWeight,
        < StrokeMeetStart => StrokeWeight,
        < StrokeMeetStart + 2 => StrokeMeetWeight,
        < FeatureSlots.V5Dimension - ShapeSampler.CornerBins => StrokeWeight,
        _ => CornerWeight,
    };

    /// <summary>Shares of B-rep faces by the kind of surface they lie on (STEP, IGES); zeros without B-rep facts.</summary>
    private static void SurfaceShares(CadDocument document, Span<double> shares)
    {
        if (document.Brep is not { } brep)
        {
            return;
        }

        double total = 0;
        foreach (var (name, count) in brep.SurfaceTypes)
        {
            if (count <= 0)
            {
                continue;
            }

            shares[SurfaceGroup(name)] += count;
            total += count;
        }

        if (total > 0)
        {
            for (var i = 0; i < shares.Length; i++)
            {
                shares[i] /= total;
            }
        }
    }

    internal static int SurfaceGroup(string name)
    {
        var n = name.ToUpperInvariant();
        if (n.Contains("PLANE", StringComparison.Ordinal))
        {
            return 0;
        }

        if (n.Contains("CYLIND", StringComparison.Ordinal) || n.Contains("TABULATED", StringComparison.Ordinal))
        {
            return 1;
        }

        if (n.Contains("CONE", StringComparison.Ordinal) || n.Contains("CONIC", StringComparison.Ordinal))
        {
            return 2;
        }

        if (n.Contains("SPHER", StringComparison.Ordinal))
        {
            return 3;
        }

        if (n.Contains("TOR", StringComparison.Ordinal))
        {
            return 4;
        }

        if (n.Contains("SPLINE", StringComparison.Ordinal) || n.Contains("REVOLUTION", StringComparison.Ordinal)
            || n.Contains("EXTRUSION", StringComparison.Ordinal) || n.Contains("RULED", StringComparison.Ordinal)
            || n.Contains("OFFSET", StringComparison.Ordinal) || n.Contains("BEZIER", StringComparison.Ordinal))
        {
            return 5;
        }

        return 6;
    }

    /// <summary>Shares of entities by drawing role (DXF, and IGES curves/annotations), of all entities.</summary>
    private static void DrawingShares(CountTable kinds, Span<double> shares)
    {
        if (kinds.Total <= 0)
        {
            return;
        }

        foreach (var (name, count) in kinds)
        {
            if (DrawingGroup(name) is { } group)
            {
                shares[group] += count;
            }
        }

        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] /= kinds.Total;
        }
    }

    internal static int? DrawingGroup(string kind) => kind switch
    {
        "LINE" or "XLINE" or "RAY" => 0,
        "ARC" or "CIRCLE" or "ELLIPSE" or "CIRCULAR_ARC" or "CONIC_ARC" => 1,
        "LWPOLYLINE" or "POLYLINE" or "COPIOUS_DATA" or "COMPOSITE_CURVE" => 2,
        "SPLINE" or "RATIONAL_BSPLINE_CURVE" or "PARAMETRIC_SPLINE_CURVE" => 3,
        "INSERT" or "SUBFIGURE_INSTANCE" => 4,
        "TEXT" or "MTEXT" or "ATTDEF" or "ATTRIB" or "GENERAL_NOTE" or "NEW_GENERAL_NOTE" or "GENERAL_LABEL" or "FLAG_NOTE" => 5,
        "HATCH" or "SOLID" or "TRACE" or "WIPEOUT" => 6,
        "DIMENSION" or "LEADER" or "MULTILEADER" or "MLEADER" or "TOLERANCE" => 7,
        _ when kind.EndsWith("_DIMENSION", StringComparison.Ordinal) => 7,
        _ => null,
    };

    internal static IReadOnlyList<string> SurfaceGroupNames => SurfaceGroups;

    internal static IReadOnlyList<string> DrawingGroupNames => DrawingGroups;
}
