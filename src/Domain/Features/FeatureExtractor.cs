using CadMl.Domain.Cad;

namespace CadMl.Domain.Features;

/// <summary>
/// Computes the feature vector of a document exactly as FEATURES.md defines it. Pure and
/// allocation-light: one array for the result and a small buffer for the top-kind sort.
/// </summary>
public static class FeatureExtractor
{
    private static readonly string[] FaceLikeKinds = ["FACE", "FACET", "SURFACE", "PATCH", "TRIANGLE", "3DFACE"];

    public static FeatureVector Extract(CadDocument document, FeatureVersion version)
    {
        var values = new double[version.Dimension()];
        if (version == FeatureVersion.V5)
        {
            ShapeFeatures.Fill(document, values);
            return FeatureVector.Wrap(version, values);
        }

        Fill(document, values);
        return FeatureVector.Wrap(version, values);
    }

    /// <summary>Writes the first <c>values.Length</c> slots; v1..v4 are prefixes of each other.</summary>
    private static void Fill(CadDocument document, Span<double> values)
    {
        double n = document.EntityCount;
        var box = document.Bounds;
        double w = box.Width, h = box.Height, d = box.Depth, volume = box.Volume;

        values[0] = n;
        values[1] = w;
        values[2] = h;
        values[3] = d;
        values[4] = volume;
        values[5] = document.Layers.Count;
        values[6] = n >= 500 ? 1 : 0;
        if (values.Length == 7)
        {
            return;
        }

        var m = Math.Max(Math.Max(w, h), Math.Max(d, 0));
        values[7] = m > 0 ? w / m : 0;
        values[8] = m > 0 ? h / m : 0;
        values[9] = m > 0 ? d / m : 0;
        values[10] = h > 0 ? w / h : 0;
        values[11] = d > 0 ? w / d : 0;
        if (values.Length == 12)
        {
            return;
        }

        double solids = document.Metadata.Solids ?? 0;
        double facets = document.Metadata.Facets ?? 0;
        values[12] = solids;
        values[13] = facets;
        values[14] = n > 0 ? volume / n : 0;
        values[15] = n > 0 ? solids / n : 0;
        values[16] = n > 0 ? facets / n : 0;
        TopKindFrequencies(document.Kinds, n, values.Slice(17, 5));
        if (values.Length == 22)
        {
            return;
        }

        values[22] = SurfaceCount(document);
        values[23] = ShapeEntropy(EntropyCounts(document));
    }

    /// <summary>Kind counts sorted descending, ties in first-seen order, the first five divided by n (or 1 when n = 0).</summary>
    private static void TopKindFrequencies(CountTable kinds, double n, Span<double> top)
    {
        var divisor = n > 0 ? n : 1;
        Span<int> best = stackalloc int[top.Length];
        var filled = 0;
        // Insertion into a fixed five-slot buffer: a stable top-k without sorting every kind.
        foreach (var (_, count) in kinds)
        {
            var position = filled;
            while (position > 0 && best[position - 1] < count)
            {
                position--;
            }

            if (position >= top.Length)
            {
                continue;
            }

            var last = Math.Min(filled, top.Length - 1);
            for (var i = last; i > position; i--)
            {
                best[i] = best[i - 1];
            }

            best[position] = count;
            filled = Math.Min(filled + 1, top.Length);
        }

        for (var i = 0; i < top.Length; i++)
        {
            top[i] = i < filled ? best[i] / divisor : 0;
        }
    }

    /// <summary>The first rule of FEATURES.md's surface_count list that applies.</summary>
    public static double SurfaceCount(CadDocument document)
    {
        if (document.Brep is { } brep)
        {
            if (brep.Faces > 0)
            {
                return brep.Faces;
            }

            long positive = 0;
            foreach (var (_, count) in brep.SurfaceTypes)
            {
                if (count > 0)
                {
                    positive += count;
                }
            }

            if (positive > 0)
            {
                return positive;
            }
        }

        if (document.Metadata.Surfaces is { } surfaces)
        {
            return surfaces;
        }

        long faceLike = 0;
        foreach (var kind in FaceLikeKinds)
        {
            faceLike += document.Kinds[kind];
        }

        if (faceLike > 0)
        {
            return faceLike;
        }

        if (document.Metadata.Facets is > 0)
        {
            return document.Metadata.Facets.Value;
        }

        return document.Metadata.Solids ?? 0;
    }

    /// <summary>B-rep surface types when any is positive, else entity kind counts.</summary>
    internal static CountTable EntropyCounts(CadDocument document) =>
        document.Brep is { } brep && brep.SurfaceTypes.Any(t => t.Count > 0) ? brep.SurfaceTypes : document.Kinds;

    /// <summary>
    /// Laplace-smoothed Shannon entropy normalised by ln K. The order of operations is part of the
    /// contract (inv computed once, summed in first-seen order) so results match to the last digit.
    /// </summary>
    public static double ShapeEntropy(IReadOnlyList<NamedCount> counts)
    {
        var k = counts.Count;
        if (k <= 1)
        {
            return 0;
        }

        double total = 0;
        foreach (var (_, count) in counts)
        {
            total += count;
        }

        var inv = 1.0 / (total + k);
        double h = 0;
        foreach (var (_, count) in counts)
        {
            var p = (count + 1) * inv;
            h -= p * Math.Log(p);
        }

        return h / Math.Log(k);
    }
}
