using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CadMl.Evaluate;

/// <summary>The query transforms of the evaluation: each rewrites the file's own bytes, which are then parsed again.</summary>
public enum TransformKind
{
    Rotate,
    Translate,
    Scale10,
    Mirror,
}

/// <summary>x ↦ S·x + T with S = s·Q (Q orthogonal, det ±1).</summary>
public sealed record Similarity(double[,] Linear, double[] Translation, double Scale)
{
    public (double X, double Y, double Z) Apply(double x, double y, double z) => (
        (Linear[0, 0] * x) + (Linear[0, 1] * y) + (Linear[0, 2] * z) + Translation[0],
        (Linear[1, 0] * x) + (Linear[1, 1] * y) + (Linear[1, 2] * z) + Translation[1],
        (Linear[2, 0] * x) + (Linear[2, 1] * y) + (Linear[2, 2] * z) + Translation[2]);

    /// <summary>Directions turn with the rotation/mirror only; they are not scaled or moved.</summary>
    public (double X, double Y, double Z) Direction(double x, double y, double z)
    {
        var (a, b, c) = (
            (Linear[0, 0] * x) + (Linear[0, 1] * y) + (Linear[0, 2] * z),
            (Linear[1, 0] * x) + (Linear[1, 1] * y) + (Linear[1, 2] * z),
            (Linear[2, 0] * x) + (Linear[2, 1] * y) + (Linear[2, 2] * z));
        return (a / Scale, b / Scale, c / Scale);
    }

    /// <summary>
    /// The transform of one kind for one file, from a seed derived from the file's path so reruns
    /// are identical. Drawings (planar) turn about z only; solids get a uniformly random rotation.
    /// </summary>
    public static Similarity Of(TransformKind kind, int seed, bool planar)
    {
        var random = new Random(seed);
        var identity = new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        return kind switch
        {
            TransformKind.Rotate => new Similarity(planar ? TurnZ(random.NextDouble() * 2 * Math.PI) : RandomRotation(random), [0, 0, 0], 1),
            TransformKind.Translate => new Similarity(identity, [Offset(random), Offset(random), planar ? 0 : Offset(random)], 1),
            TransformKind.Scale10 => new Similarity(new double[,] { { 10, 0, 0 }, { 0, 10, 0 }, { 0, 0, 10 } }, [0, 0, 0], 10),
            _ => new Similarity(new double[,] { { -1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }, [0, 0, 0], 1),
        };

        static double Offset(Random r) => (r.NextDouble() - 0.5) * 2000;
    }

    private static double[,] TurnZ(double angle)
    {
        var (s, c) = Math.SinCos(angle);
        return new double[,] { { c, -s, 0 }, { s, c, 0 }, { 0, 0, 1 } };
    }

    /// <summary>A uniformly random rotation from a random unit quaternion (Shoemake).</summary>
    private static double[,] RandomRotation(Random random)
    {
        double u1 = random.NextDouble(), u2 = random.NextDouble() * 2 * Math.PI, u3 = random.NextDouble() * 2 * Math.PI;
        double a = Math.Sqrt(1 - u1), b = Math.Sqrt(u1);
        double w = a * Math.Sin(u2), x = a * Math.Cos(u2), y = b * Math.Sin(u3), z = b * Math.Cos(u3);
        return new double[,]
        {
            { 1 - (2 * ((y * y) + (z * z))), 2 * ((x * y) - (z * w)), 2 * ((x * z) + (y * w)) },
            { 2 * ((x * y) + (z * w)), 1 - (2 * ((x * x) + (z * z))), 2 * ((y * z) - (x * w)) },
            { 2 * ((x * z) - (y * w)), 2 * ((y * z) + (x * w)), 1 - (2 * ((x * x) + (y * y))) },
        };
    }
}

/// <summary>Rewrites coordinates in the file formats the evaluation transforms itself (STEP, STL); DXF goes through ezdxf.</summary>
public static partial class FileTransforms
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// STEP: every 3D CARTESIAN_POINT and DIRECTION. Scale ×10 is applied by declaring the length
    /// unit ten times larger (mm → cm, or adding CENTI where the file is in metres... only the
    /// millimetre case is rewritten), because radii, vector magnitudes and offsets are lengths too
    /// and only the unit scales them all at once.
    /// </summary>
    public static byte[]? Step(byte[] bytes, TransformKind kind, Similarity t)
    {
        var text = Encoding.Latin1.GetString(bytes);
        if (kind == TransformKind.Scale10)
        {
            var scaled = MilliMetre().Replace(text, "SI_UNIT(.CENTI.,.METRE.)", 1);
            return ReferenceEquals(scaled, text) || scaled == text ? null : Encoding.Latin1.GetBytes(scaled);
        }

        text = CartesianPoint().Replace(text, m => Rewrite(m, (x, y, z) => t.Apply(x, y, z)));
        if (kind != TransformKind.Mirror)
        {
            text = Direction().Replace(text, m => Rewrite(m, (x, y, z) => t.Direction(x, y, z)));
            return Encoding.Latin1.GetBytes(text);
        }

        // AXIS2_PLACEMENT_3D is right-handed by definition (ref_direction × axis order fixes y), so
        // mirroring its two directions alone would describe every circle running the other way
        // round and turn each trimmed arc into its complement. A CAD system writing the mirrored
        // part flips the axis too: then the frame is right-handed again and its circles are the
        // mirror images of the original ones.
        var axes = new HashSet<string>(Axis2Placement().Matches(text).Select(m => m.Groups["axis"].Value), StringComparer.Ordinal);
        text = Direction().Replace(text, m => Rewrite(m, (x, y, z) =>
        {
            var (a, b, c) = t.Direction(x, y, z);
            return axes.Contains(m.Groups["id"].Value) ? (-a, -b, -c) : (a, b, c);
        }));
        return Encoding.Latin1.GetBytes(text);
    }

    private static string Rewrite(Match m, Func<double, double, double, (double, double, double)> map)
    {
        var parts = m.Groups["c"].Value.Split(',');
        if (parts.Length != 3
            || !double.TryParse(parts[0], NumberStyles.Float, Invariant, out var x)
            || !double.TryParse(parts[1], NumberStyles.Float, Invariant, out var y)
            || !double.TryParse(parts[2], NumberStyles.Float, Invariant, out var z))
        {
            return m.Value;
        }

        var (a, b, c) = map(x, y, z);
        return $"{m.Groups["head"].Value}({Real(a)},{Real(b)},{Real(c)}){m.Groups["tail"].Value}";
    }

    private static string Real(double v)
    {
        var s = v.ToString("R", Invariant);
        if (!s.Contains('.', StringComparison.Ordinal) && !s.Contains('E', StringComparison.Ordinal))
        {
            s += ".";
        }
        else if (s.Contains('E', StringComparison.Ordinal) && !s.Contains('.', StringComparison.Ordinal))
        {
            s = s.Replace("E", ".E", StringComparison.Ordinal);
        }

        return s;
    }

    [GeneratedRegex(@"(?<head>CARTESIAN_POINT\s*\(\s*'[^']*'\s*,\s*)\((?<c>[^()]*)\)(?<tail>\s*\))", RegexOptions.CultureInvariant)]
    private static partial Regex CartesianPoint();

    [GeneratedRegex(@"#(?<id>\d+)\s*=\s*AXIS2_PLACEMENT_3D\s*\(\s*'[^']*'\s*,\s*#\d+\s*,\s*#(?<axis>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex Axis2Placement();

    [GeneratedRegex(@"(?<head>#(?<id>\d+)\s*=\s*DIRECTION\s*\(\s*'[^']*'\s*,\s*)\((?<c>[^()]*)\)(?<tail>\s*\))", RegexOptions.CultureInvariant)]
    private static partial Regex Direction();

    [GeneratedRegex(@"SI_UNIT\s*\(\s*\.MILLI\.\s*,\s*\.METRE\.\s*\)", RegexOptions.CultureInvariant)]
    private static partial Regex MilliMetre();

    /// <summary>STL: every vertex (and normal, turned); binary or ASCII as the source was.</summary>
    public static byte[] Stl(byte[] bytes, Similarity t)
    {
        var count = bytes.Length >= 84 ? BitConverter.ToUInt32(bytes, 80) : 0;
        if (bytes.Length >= 84 && 84 + (50L * count) == bytes.Length)
        {
            var copy = (byte[])bytes.Clone();
            for (var i = 0; i < count; i++)
            {
                var at = 84 + (50 * i);
                Put(copy, at, t.Direction(Get(copy, at), Get(copy, at + 4), Get(copy, at + 8)));
                for (var v = 0; v < 3; v++)
                {
                    var p = at + 12 + (12 * v);
                    Put(copy, p, t.Apply(Get(copy, p), Get(copy, p + 4), Get(copy, p + 8)));
                }
            }

            return copy;
        }

        var text = Encoding.Latin1.GetString(bytes);
        text = StlVertex().Replace(text, m =>
        {
            var (x, y, z) = t.Apply(double.Parse(m.Groups[2].Value, Invariant), double.Parse(m.Groups[3].Value, Invariant), double.Parse(m.Groups[4].Value, Invariant));
            return $"{m.Groups[1].Value}{x.ToString("R", Invariant)} {y.ToString("R", Invariant)} {z.ToString("R", Invariant)}";
        });
        return Encoding.Latin1.GetBytes(text);

        static double Get(byte[] b, int at) => BitConverter.ToSingle(b, at);

        static void Put(byte[] b, int at, (double X, double Y, double Z) p)
        {
            BitConverter.TryWriteBytes(b.AsSpan(at), (float)p.X);
            BitConverter.TryWriteBytes(b.AsSpan(at + 4), (float)p.Y);
            BitConverter.TryWriteBytes(b.AsSpan(at + 8), (float)p.Z);
        }
    }

    [GeneratedRegex(@"(vertex\s+)(\S+)\s+(\S+)\s+(\S+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StlVertex();
}
