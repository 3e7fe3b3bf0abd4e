using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CadMl.ModelTrainer.Solids;

/// <summary>A placed mesh as an STL file, ASCII or binary (80-byte header, count, 50-byte records).</summary>
internal static class StlWriter
{
    public static byte[] Write(IReadOnlyList<Triangle> mesh, Placement placement, string name, bool binary)
    {
        var placed = mesh.Select(t => new Triangle(placement.Point(t.A), placement.Point(t.B), placement.Point(t.C))).ToList();
        return binary ? Binary(placed, name) : Ascii(placed, name);
    }

    private static byte[] Ascii(List<Triangle> mesh, string name)
    {
        var text = new StringBuilder();
        text.Append("solid ").Append(name).Append('\n');
        foreach (var t in mesh)
        {
            var n = t.Normal.Unit();
            text.Append("  facet normal ").Append(Number(n.X)).Append(' ').Append(Number(n.Y)).Append(' ').Append(Number(n.Z)).Append('\n');
            text.Append("    outer loop\n");
            foreach (var p in new[] { t.A, t.B, t.C })
            {
                text.Append("      vertex ").Append(Number(p.X)).Append(' ').Append(Number(p.Y)).Append(' ').Append(Number(p.Z)).Append('\n');
            }

            text.Append("    endloop\n  endfacet\n");
        }

        text.Append("endsolid ").Append(name).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static byte[] Binary(List<Triangle> mesh, string name)
    {
        var bytes = new byte[84 + (50 * mesh.Count)];
        var header = Encoding.ASCII.GetBytes($"binary STL {name} cadml-model-trainer");
        header.AsSpan(0, Math.Min(80, header.Length)).CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(80), (uint)mesh.Count);
        var offset = 84;
        foreach (var t in mesh)
        {
            foreach (var v in new[] { t.Normal.Unit(), t.A, t.B, t.C })
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), (float)v.X);
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset + 4), (float)v.Y);
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset + 8), (float)v.Z);
                offset += 12;
            }

            offset += 2;
        }

        return bytes;
    }

    private static string Number(double value) => ((float)value).ToString("e6", CultureInfo.InvariantCulture);
}
