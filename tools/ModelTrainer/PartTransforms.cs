using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CadMl.ModelTrainer;

/// <summary>A rigid rotation (row-major 3×3), a uniform scale and a translation: p' = s·R·p + t.</summary>
internal sealed record PartPlacement(double[] Rotation, double Scale, double[] Offset)
{
    /// <summary>A uniformly random rotation (a random unit quaternion), or for a drawing one about Z only.</summary>
    public static PartPlacement Random(Random random, double scale, bool planar)
    {
        double[] r;
        if (planar)
        {
            var a = random.NextDouble() * 2 * Math.PI;
            r = [Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1];
        }
        else
        {
            var (u1, u2, u3) = (random.NextDouble(), random.NextDouble() * 2 * Math.PI, random.NextDouble() * 2 * Math.PI);
            var (w, x, y, z) = (Math.Sqrt(1 - u1) * Math.Sin(u2), Math.Sqrt(1 - u1) * Math.Cos(u2), Math.Sqrt(u1) * Math.Sin(u3), Math.Sqrt(u1) * Math.Cos(u3));
            r =
            [
                1 - (2 * ((y * y) + (z * z))), 2 * ((x * y) - (z * w)), 2 * ((x * z) + (y * w)),
                2 * ((x * y) + (z * w)), 1 - (2 * ((x * x) + (z * z))), 2 * ((y * z) - (x * w)),
                2 * ((x * z) - (y * w)), 2 * ((y * z) + (x * w)), 1 - (2 * ((x * x) + (y * y))),
            ];
        }

        double[] offset = [(random.NextDouble() - 0.5) * 200, (random.NextDouble() - 0.5) * 200, planar ? 0 : (random.NextDouble() - 0.5) * 200];
        return new PartPlacement(r, scale, offset);
    }

    public static PartPlacement Scaled(double scale) => new([1, 0, 0, 0, 1, 0, 0, 0, 1], scale, [0, 0, 0]);

    public (double X, double Y, double Z) Point(double x, double y, double z)
    {
        var (rx, ry, rz) = Direction(x, y, z);
        return ((Scale * rx) + Offset[0], (Scale * ry) + Offset[1], (Scale * rz) + Offset[2]);
    }

    public (double X, double Y, double Z) Direction(double x, double y, double z) =>
        ((Rotation[0] * x) + (Rotation[1] * y) + (Rotation[2] * z),
         (Rotation[3] * x) + (Rotation[4] * y) + (Rotation[5] * z),
         (Rotation[6] * x) + (Rotation[7] * y) + (Rotation[8] * z));

    /// <summary>The rotation angle about Z in degrees, for a planar placement.</summary>
    public double TurnDegrees => Math.Atan2(Rotation[3], Rotation[0]) * 180 / Math.PI;
}

/// <summary>
/// Moves the geometry of a CAD file the way another CAD tool, orientation or unit would have written
/// it, so the classifier's answer on the moved file can be compared with its answer on the original.
/// Covers what the trainer's own files contain: STL meshes (binary and ASCII); STEP points,
/// directions and the lengths that must scale with them (circle, cylinder, cone, sphere and torus
/// radii, vector magnitudes); DXF drawings turned about Z (points, radii, arc angles, text heights).
/// </summary>
internal static partial class PartTransforms
{
    public static byte[] Apply(string format, byte[] file, PartPlacement placement) => format switch
    {
        "stl" => IsBinaryStl(file) ? BinaryStl(file, placement) : Encoding.ASCII.GetBytes(AsciiStl(Encoding.ASCII.GetString(file), placement)),
        "step" => Encoding.UTF8.GetBytes(Step(Encoding.UTF8.GetString(file), placement)),
        "dxf" => Encoding.UTF8.GetBytes(Dxf(Encoding.UTF8.GetString(file), placement)),
        _ => throw new NotSupportedException($"no transform for {format}"),
    };

    private static bool IsBinaryStl(byte[] file) =>
        file.Length >= 84 && file.Length == 84 + (50L * BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(80)));

    private static byte[] BinaryStl(byte[] file, PartPlacement placement)
    {
        var copy = (byte[])file.Clone();
        var triangles = BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(80));
        for (var t = 0; t < triangles; t++)
        {
            var at = 84 + (50 * t);
            Write(copy, at, placement.Direction(F(copy, at), F(copy, at + 4), F(copy, at + 8)));
            for (var v = 1; v <= 3; v++)
            {
                var p = at + (12 * v);
                Write(copy, p, placement.Point(F(copy, p), F(copy, p + 4), F(copy, p + 8)));
            }
        }

        return copy;

        static double F(byte[] b, int at) => BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at));

        static void Write(byte[] b, int at, (double X, double Y, double Z) p)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at), (float)p.X);
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at + 4), (float)p.Y);
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at + 8), (float)p.Z);
        }
    }

    private static string AsciiStl(string text, PartPlacement placement) =>
        StlTriple().Replace(text, m =>
        {
            var (x, y, z) = (D(m.Groups[2].Value), D(m.Groups[3].Value), D(m.Groups[4].Value));
            var p = m.Groups[1].Value.StartsWith("vertex", StringComparison.Ordinal) ? placement.Point(x, y, z) : placement.Direction(x, y, z);
            return $"{m.Groups[1].Value}{S(p.X)} {S(p.Y)} {S(p.Z)}";
        });

    private static string Step(string text, PartPlacement placement)
    {
        text = StepTriple().Replace(text, m =>
        {
            var (x, y, z) = (D(m.Groups[3].Value), D(m.Groups[4].Value), D(m.Groups[5].Value));
            var p = m.Groups[1].Value == "CARTESIAN_POINT" ? placement.Point(x, y, z) : placement.Direction(x, y, z);
            return $"{m.Groups[1].Value}({m.Groups[2].Value}({S(p.X)},{S(p.Y)},{S(p.Z)}))";
        });

        // Lengths that follow an entity reference: radii and vector magnitudes scale with the part.
        return StepLengths().Replace(text, m =>
        {
            var lengths = m.Groups[3].Value.Split(',');
            var scaled = m.Groups[1].Value == "CONICAL_SURFACE"
                ? [S(D(lengths[0]) * placement.Scale), .. lengths.Skip(1)]
                : lengths.Select(l => S(D(l) * placement.Scale));
            return $"{m.Groups[1].Value}({m.Groups[2].Value}{string.Join(",", scaled)})";
        });
    }

    /// <summary>Only the ENTITIES section is moved; block definitions stay in their own coordinates.</summary>
    private static string Dxf(string text, PartPlacement placement)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var inEntities = false;
        var entity = "";
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var code = int.Parse(lines[i].Trim(), CultureInfo.InvariantCulture);
            var value = lines[i + 1].Trim();
            if (code == 2 && i >= 2 && lines[i - 1].Trim() == "SECTION")
            {
                inEntities = value == "ENTITIES";
            }

            if (code == 0)
            {
                entity = value;
                continue;
            }

            if (!inEntities)
            {
                continue;
            }

            if (code is >= 10 and <= 18 && i + 3 < lines.Length && int.Parse(lines[i + 2].Trim(), CultureInfo.InvariantCulture) == code + 10)
            {
                var (x, y) = (D(value), D(lines[i + 3].Trim()));
                var p = placement.Point(x, y, 0);
                lines[i + 1] = S(p.X);
                lines[i + 3] = S(p.Y);
                i += 2;
            }
            else if (code is >= 30 and <= 38)
            {
                // A turn about Z leaves heights alone, but a scale applies to them too (3DFACE corners, elevations).
                lines[i + 1] = S(D(value) * placement.Scale);
            }
            else if (code == 40 && entity is "CIRCLE" or "ARC" or "TEXT" or "MTEXT")
            {
                lines[i + 1] = S(D(value) * placement.Scale);
            }
            else if ((code is 50 or 51 && entity == "ARC") || (code == 50 && entity is "TEXT" or "INSERT"))
            {
                lines[i + 1] = S(D(value) + placement.TurnDegrees);
            }
        }

        return string.Join("\n", lines);
    }

    private static double D(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string S(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".";
    }

    [GeneratedRegex(@"(vertex\s+|facet\s+normal\s+)(\S+)\s+(\S+)\s+(\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex StlTriple();

    [GeneratedRegex(@"\b(CARTESIAN_POINT|DIRECTION)\s*\(\s*('[^']*'\s*,\s*)\(\s*([^,()]+)\s*,\s*([^,()]+)\s*,\s*([^,()]+)\s*\)\s*\)")]
    private static partial Regex StepTriple();

    [GeneratedRegex(@"\b(CIRCLE|CYLINDRICAL_SURFACE|CONICAL_SURFACE|SPHERICAL_SURFACE|TOROIDAL_SURFACE|ELLIPSE|VECTOR)\s*\(\s*('[^']*'\s*,\s*#\d+\s*,\s*)([^()]+?)\s*\)")]
    private static partial Regex StepLengths();
}
