using CadMl.ModelTrainer.Solids;

namespace CadMl.ModelTrainer;

/// <summary>
/// Labelled synthetic parts of six families, written as real CAD files: DXF drawings with
/// randomised dimensions, hole counts, orientation, layer naming and drawing noise (notes,
/// construction points, stray lines), and 3D solids (<see cref="SolidParts"/>) written as STL
/// meshes or STEP B-reps with random placement, mesh density, encoding, length unit and face
/// splitting. The classifier learns from what a reader makes of a file rather than from the
/// generator's parameters.
/// </summary>
internal static class SyntheticParts
{
    public static readonly string[] Families = ["bracket", "flange", "gear", "housing", "plate", "shaft"];

    /// <summary>File formats, also the file extensions; each family is written in each in turn.</summary>
    public static readonly string[] Formats = ["dxf", "stl", "step"];

    public static byte[] Write(string family, string format, string name, Random random) => format switch
    {
        "dxf" => Draw(family, random),
        "stl" => Mesh(family, name, random),
        "step" => Solid(family, name, random),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>
    /// A meshed solid, ASCII or binary. Its arcs are cut within a chord tolerance of 0.01 % to
    /// 0.5 % of the part's size and 5–30° per segment, the way exporters scale "coarse" to "fine"
    /// with the model.
    /// </summary>
    private static byte[] Mesh(string family, string name, Random random)
    {
        var brep = SolidParts.Build(family, random, splitFullCircles: false);
        var points = brep.Vertices.Select(v => v.Point).ToList();
        var size = new Vec3(points.Max(p => p.X) - points.Min(p => p.X), points.Max(p => p.Y) - points.Min(p => p.Y), points.Max(p => p.Z) - points.Min(p => p.Z)).Length;
        var chord = size * 1e-4 * Math.Pow(50, random.NextDouble());
        var mesh = Tessellation.Mesh(brep, new MeshTolerance(chord, (5 + (random.NextDouble() * 25)) * Math.PI / 180));
        return StlWriter.Write(mesh, Placement.Random(random), name, binary: random.Next(2) == 0);
    }

    /// <summary>A B-rep solid; a third of them split periodic faces in halves as some kernels do; mostly millimetres, some inches or metres.</summary>
    private static byte[] Solid(string family, string name, Random random)
    {
        var brep = SolidParts.Build(family, random, splitFullCircles: random.Next(3) == 0);
        var unit = random.Next(10) switch
        {
            < 7 => StepLengthUnit.Millimetre,
            < 9 => StepLengthUnit.Inch,
            _ => StepLengthUnit.Metre,
        };
        return StepWriter.Write(brep, Placement.Random(random), name, unit);
    }

    public static byte[] Draw(string family, Random random)
    {
        var dxf = new DxfWriter(random.NextDouble() * 360, Between(random, -500, 500), Between(random, -500, 500));
        var layers = Layers(random);
        switch (family)
        {
            case "plate": Plate(dxf, random, layers); break;
            case "bracket": Bracket(dxf, random, layers); break;
            case "flange": Flange(dxf, random, layers); break;
            case "shaft": Shaft(dxf, random, layers); break;
            case "gear": Gear(dxf, random, layers); break;
            case "housing": Housing(dxf, random, layers); break;
            default: throw new ArgumentOutOfRangeException(nameof(family), family, null);
        }

        Noise(dxf, random, layers);
        return dxf.ToBytes();
    }

    private sealed record LayerSet(string Outline, string Holes, string Centre, string Notes);

    private static LayerSet Layers(Random random) => random.Next(3) switch
    {
        0 => new LayerSet("0", "0", "0", "0"),
        1 => new LayerSet("OUTLINE", "HOLES", "CENTER", "NOTES"),
        _ => new LayerSet("CONTOUR", "CONTOUR", "AXIS", "TEXT"),
    };

    private static void Plate(DxfWriter dxf, Random random, LayerSet layers)
    {
        var w = Between(random, 40, 400);
        var h = w * Between(random, 0.3, 1);
        Rectangle(dxf, layers.Outline, 0, 0, w, h);
        for (var i = random.Next(0, 9); i > 0; i--)
        {
            dxf.Circle(layers.Holes, Between(random, 0.1, 0.9) * w, Between(random, 0.1, 0.9) * h, Between(random, 2, Math.Min(w, h) / 8));
        }
    }

    private static void Bracket(DxfWriter dxf, Random random, LayerSet layers)
    {
        var a = Between(random, 40, 200);
        var b = a * Between(random, 0.6, 1.4);
        var t = Between(random, 4, 0.25 * Math.Min(a, b));
        (double X, double Y)[] outline = [(0, 0), (a, 0), (a, t), (t, t), (t, b), (0, b)];
        for (var i = 0; i < outline.Length; i++)
        {
            var (x1, y1) = outline[i];
            var (x2, y2) = outline[(i + 1) % outline.Length];
            dxf.Line(layers.Outline, x1, y1, x2, y2);
        }

        dxf.Arc(layers.Outline, t, t, t * 0.5, 180, 270);
        for (var i = random.Next(2, 7); i > 0; i--)
        {
            var onBase = random.Next(2) == 0;
            dxf.Circle(layers.Holes, onBase ? Between(random, 2 * t, a - t) : t / 2, onBase ? t / 2 : Between(random, 2 * t, b - t), t / 4);
        }

        if (random.Next(2) == 0)
        {
            var y = Between(random, 2 * t, b - 2 * t);
            dxf.Arc(layers.Holes, t / 2, y, t / 5, 0, 180);
            dxf.Arc(layers.Holes, t / 2, y + t, t / 5, 180, 360);
        }
    }

    private static void Flange(DxfWriter dxf, Random random, LayerSet layers)
    {
        var r = Between(random, 30, 200);
        dxf.Circle(layers.Outline, 0, 0, r);
        dxf.Circle(layers.Outline, 0, 0, r * Between(random, 0.2, 0.5));
        if (random.Next(2) == 0)
        {
            dxf.Circle(layers.Outline, 0, 0, r * Between(random, 0.55, 0.65));
        }

        var bolts = new[] { 3, 4, 6, 8, 12 }[random.Next(5)];
        var pitch = r * Between(random, 0.7, 0.85);
        for (var i = 0; i < bolts; i++)
        {
            var angle = 2 * Math.PI * i / bolts;
            dxf.Circle(layers.Holes, pitch * Math.Cos(angle), pitch * Math.Sin(angle), r * Between(random, 0.04, 0.08));
        }

        dxf.Line(layers.Centre, -1.1 * r, 0, 1.1 * r, 0);
        dxf.Line(layers.Centre, 0, -1.1 * r, 0, 1.1 * r);
    }

    private static void Shaft(DxfWriter dxf, Random random, LayerSet layers)
    {
        var steps = random.Next(2, 7);
        var x = 0.0;
        var previous = 0.0;
        for (var i = 0; i < steps; i++)
        {
            var length = Between(random, 20, 160);
            var radius = Between(random, 5, 40);
            dxf.Line(layers.Outline, x, radius, x + length, radius);
            dxf.Line(layers.Outline, x, -radius, x + length, -radius);
            dxf.Line(layers.Outline, x, -Math.Max(radius, previous), x, Math.Max(radius, previous));
            x += length;
            previous = radius;
        }

        dxf.Line(layers.Outline, x, -previous, x, previous);
        if (random.Next(2) == 0)
        {
            dxf.Line(layers.Outline, x - 2, previous, x, previous - 2);
            dxf.Line(layers.Outline, x - 2, -previous, x, 2 - previous);
        }

        dxf.Line(layers.Centre, -10, 0, x + 10, 0);
    }

    private static void Gear(DxfWriter dxf, Random random, LayerSet layers)
    {
        var teeth = random.Next(12, 61);
        var module = Between(random, 1, 5);
        var pitch = module * teeth / 2;
        var tip = pitch + module;
        var root = pitch - (1.25 * module);
        var step = 360.0 / teeth;
        for (var i = 0; i < teeth; i++)
        {
            var a = i * step;
            dxf.Arc(layers.Outline, 0, 0, root, a, a + (step / 2));
            dxf.Line(layers.Outline, Polar(root, a + (step / 2)).X, Polar(root, a + (step / 2)).Y, Polar(tip, a + (step * 0.6)).X, Polar(tip, a + (step * 0.6)).Y);
            dxf.Arc(layers.Outline, 0, 0, tip, a + (step * 0.6), a + (step * 0.9));
            dxf.Line(layers.Outline, Polar(tip, a + (step * 0.9)).X, Polar(tip, a + (step * 0.9)).Y, Polar(root, a + step).X, Polar(root, a + step).Y);
        }

        var bore = root * Between(random, 0.15, 0.35);
        dxf.Circle(layers.Holes, 0, 0, bore);
        dxf.Circle(layers.Centre, 0, 0, pitch);
        if (random.Next(2) == 0)
        {
            dxf.Line(layers.Holes, -bore / 4, bore, -bore / 4, bore * 1.3);
            dxf.Line(layers.Holes, bore / 4, bore, bore / 4, bore * 1.3);
            dxf.Line(layers.Holes, -bore / 4, bore * 1.3, bore / 4, bore * 1.3);
        }
    }

    private static void Housing(DxfWriter dxf, Random random, LayerSet layers)
    {
        var w = Between(random, 60, 400);
        var h = w * Between(random, 0.4, 1);
        var d = w * Between(random, 0.2, 0.8);
        var wall = Between(random, 3, 12);
        Box(dxf, layers.Outline, 0, 0, 0, w, h, d);
        if (random.Next(3) > 0)
        {
            Box(dxf, layers.Outline, wall, wall, wall, w - wall, h - wall, d);
        }

        foreach (var (x, y) in new[] { (wall, wall), (w - wall, wall), (w - wall, h - wall), (wall, h - wall) })
        {
            dxf.Circle(layers.Holes, x, y, wall / 2);
        }

        for (var i = random.Next(0, 5); i > 0; i--)
        {
            dxf.Arc(layers.Outline, Between(random, wall, w - wall), Between(random, wall, h - wall), wall, 0, 90);
        }
    }

    private static void Noise(DxfWriter dxf, Random random, LayerSet layers)
    {
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            dxf.Text(layers.Notes, Between(random, 0, 50), Between(random, -40, -10), 2.5, $"NOTE {i}");
        }

        for (var i = random.Next(0, 3); i > 0; i--)
        {
            dxf.Dot(layers.Notes, Between(random, 0, 50), Between(random, 0, 50));
        }

        if (random.Next(4) == 0)
        {
            dxf.Line(layers.Notes, 0, 0, Between(random, 5, 30), Between(random, 5, 30));
        }
    }

    private static void Rectangle(DxfWriter dxf, string layer, double x0, double y0, double x1, double y1)
    {
        dxf.Line(layer, x0, y0, x1, y0);
        dxf.Line(layer, x1, y0, x1, y1);
        dxf.Line(layer, x1, y1, x0, y1);
        dxf.Line(layer, x0, y1, x0, y0);
    }

    /// <summary>The six faces of a box as 3DFACE entities.</summary>
    private static void Box(DxfWriter dxf, string layer, double x0, double y0, double z0, double x1, double y1, double z1)
    {
        dxf.Face(layer, (x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0));
        dxf.Face(layer, (x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1));
        dxf.Face(layer, (x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1));
        dxf.Face(layer, (x0, y1, z0), (x1, y1, z0), (x1, y1, z1), (x0, y1, z1));
        dxf.Face(layer, (x0, y0, z0), (x0, y1, z0), (x0, y1, z1), (x0, y0, z1));
        dxf.Face(layer, (x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1));
    }

    private static (double X, double Y) Polar(double radius, double degrees) =>
        (radius * Math.Cos(degrees * Math.PI / 180), radius * Math.Sin(degrees * Math.PI / 180));

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}
