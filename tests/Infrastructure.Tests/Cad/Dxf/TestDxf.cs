using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Dxf;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Small DXF files written in the tests: tag pairs as (code, value), assembled into sections.
/// Written out by hand rather than by a DXF library so each test shows exactly what the reader sees.
/// </summary>
internal static class TestDxf
{
    public static string Tags(params object[] codeValuePairs)
    {
        if (codeValuePairs.Length % 2 != 0)
        {
            throw new ArgumentException("Tags come in (code, value) pairs.", nameof(codeValuePairs));
        }

        var builder = new StringBuilder();
        for (var i = 0; i < codeValuePairs.Length; i += 2)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{codeValuePairs[i],3}\n");
            builder.Append(Convert.ToString(codeValuePairs[i + 1], CultureInfo.InvariantCulture)).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>A complete file: optional header variables, optional blocks, the entities, EOF.</summary>
    public static string Document(string entities, string blocks = "", string header = "", string tables = "")
    {
        var builder = new StringBuilder();
        if (header.Length > 0)
        {
            builder.Append(Tags(0, "SECTION", 2, "HEADER")).Append(header).Append(Tags(0, "ENDSEC"));
        }

        if (tables.Length > 0)
        {
            builder.Append(Tags(0, "SECTION", 2, "TABLES")).Append(tables).Append(Tags(0, "ENDSEC"));
        }

        if (blocks.Length > 0)
        {
            builder.Append(Tags(0, "SECTION", 2, "BLOCKS")).Append(blocks).Append(Tags(0, "ENDSEC"));
        }

        builder.Append(Tags(0, "SECTION", 2, "ENTITIES")).Append(entities).Append(Tags(0, "ENDSEC", 0, "EOF"));
        return builder.ToString();
    }

    public static string Block(string name, string entities, double baseX = 0, double baseY = 0, double baseZ = 0) =>
        Tags(0, "BLOCK", 8, "0", 2, name, 70, 0, 10, baseX, 20, baseY, 30, baseZ, 3, name)
        + entities
        + Tags(0, "ENDBLK", 8, "0");

    public static string Line(double x1, double y1, double x2, double y2, string layer = "0", double z1 = 0, double z2 = 0) =>
        Tags(0, "LINE", 8, layer, 10, x1, 20, y1, 30, z1, 11, x2, 21, y2, 31, z2);

    public static string Circle(double x, double y, double r, string layer = "0") =>
        Tags(0, "CIRCLE", 8, layer, 10, x, 20, y, 30, 0, 40, r);

    public static string Insert(string block, double x, double y, double rotation = 0, double sx = 1, double sy = 1) =>
        Tags(0, "INSERT", 8, "0", 2, block, 10, x, 20, y, 30, 0, 41, sx, 42, sy, 43, 1, 50, rotation);

    public static CadDocument Read(string dxf) => Read(Encoding.UTF8.GetBytes(dxf));

    public static CadDocument Read(byte[] bytes) => new DxfReader().Read(bytes, CancellationToken.None);

    /// <summary>
    /// Re-encodes an ASCII DXF as binary DXF: the sentinel, then each tag as its group code (two
    /// bytes for R13+, one byte for R12) and its value typed by the code's range.
    /// </summary>
    public static byte[] ToBinary(string asciiDxf, bool twoByteCodes = true)
    {
        var lines = asciiDxf.Split('\n');
        using var stream = new MemoryStream();
        stream.Write("AutoCAD Binary DXF\r\n\u001a\0"u8);
        Span<byte> buffer = stackalloc byte[8];
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var code = int.Parse(lines[i].Trim(), CultureInfo.InvariantCulture);
            var value = lines[i + 1];
            if (twoByteCodes)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)code);
                stream.Write(buffer[..2]);
            }
            else if (code < 255)
            {
                stream.WriteByte((byte)code);
            }
            else
            {
                stream.WriteByte(255);
                BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)code);
                stream.Write(buffer[..2]);
            }

            switch (code)
            {
                case >= 10 and <= 59 or >= 110 and <= 149 or >= 210 and <= 239:
                    BinaryPrimitives.WriteDoubleLittleEndian(buffer, double.Parse(value, CultureInfo.InvariantCulture));
                    stream.Write(buffer[..8]);
                    break;
                case >= 60 and <= 79 or >= 170 and <= 179 or >= 270 and <= 289 or >= 370 and <= 389:
                    BinaryPrimitives.WriteInt16LittleEndian(buffer, short.Parse(value, CultureInfo.InvariantCulture));
                    stream.Write(buffer[..2]);
                    break;
                case >= 90 and <= 99:
                    BinaryPrimitives.WriteInt32LittleEndian(buffer, int.Parse(value, CultureInfo.InvariantCulture));
                    stream.Write(buffer[..4]);
                    break;
                default:
                    stream.Write(Encoding.UTF8.GetBytes(value));
                    stream.WriteByte(0);
                    break;
            }
        }

        return stream.ToArray();
    }
}
