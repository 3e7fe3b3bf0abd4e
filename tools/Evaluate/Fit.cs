using System.Globalization;
using System.Text;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Evaluate;

/// <summary>
/// Fits v5's standardisation constants (per-slot mean and standard deviation of the raw values)
/// on the fitting half, one table per format family: B-rep (STEP, IGES), mesh (STL), drawing (DXF).
/// A slot that does not vary in a family gets scale 0 and is always 0 there.
/// </summary>
public static class Fit
{
    public static string Constants(IReadOnlyList<Parsed> fitting)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"// Fitted by build/evaluate --fit on {fitting.Count} files (even path hash):");
        foreach (var (name, formats) in new[] { ("Brep", new[] { CadFormat.Step, CadFormat.Iges }), ("Mesh", [CadFormat.Stl]), ("Drawing", [CadFormat.Dxf]) })
        {
            var raws = fitting.Where(p => formats.Contains(p.Document.Format)).Select(p => ShapeFeatures.Raw(p.Document)).ToList();
            var withShape = fitting.Where(p => formats.Contains(p.Document.Format) && p.Document.Shape is not null).Select(p => ShapeFeatures.Raw(p.Document)).ToList();
            var mean = new double[FeatureSlots.V5Dimension];
            var scale = new double[FeatureSlots.V5Dimension];
            for (var i = 0; i < mean.Length; i++)
            {
                // Shape slots are fitted on documents that have a shape digest; the rest on all.
                var source = (i < FeatureSlots.V5StructureStart ? withShape : raws).Where(r => !double.IsNaN(r[i])).ToList();
                if (source.Count < 2)
                {
                    continue;
                }

                double m = 0;
                foreach (var r in source)
                {
                    m += r[i];
                }

                m /= source.Count;
                double v = 0;
                foreach (var r in source)
                {
                    v += (r[i] - m) * (r[i] - m);
                }

                var sd = Math.Sqrt(v / source.Count);
                mean[i] = m;
                // A floor keeps a nearly constant slot (a histogram bin that is almost always empty) from
                // turning a rare value into a clipped ±4 that outweighs every other slot.
                scale[i] = sd > 1e-9 ? Math.Max(sd, 0.01) : 0;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"// {name}: {raws.Count} files ({withShape.Count} with a shape digest)");
            text.AppendLine(CultureInfo.InvariantCulture, $"private static readonly double[] {name}Mean = [{Join(mean)}];");
            text.AppendLine(CultureInfo.InvariantCulture, $"private static readonly double[] {name}Scale = [{Join(scale)}];");
        }

        return text.ToString();
    }

    private static string Join(double[] values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
