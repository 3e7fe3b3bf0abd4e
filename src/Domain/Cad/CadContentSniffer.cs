using System.Buffers.Binary;
using System.Text;

namespace CadMl.Domain.Cad;

/// <summary>
/// Which CAD format the first bytes of a file show, independent of its name. Only signatures
/// that no other supported format can start with count; anything else is "no opinion" (null)
/// and the format named by the extension decides, so the reader reports what is wrong.
/// </summary>
/// <remarks>
/// Signatures, checked in this order because earlier ones are stricter:
/// <list type="number">
/// <item>STEP: the exchange-structure keyword <c>ISO-10303-21</c> (ISO 10303-21 §5).</item>
/// <item>Binary DXF: the 22-byte sentinel <c>AutoCAD Binary DXF\r\n\x1a\0</c>.</item>
/// <item>IGES: a first line of 80 columns whose column 73 is the section letter S (or G when a
/// writer leaves the start section out); free text in columns 1–72 may start with anything,
/// even "solid", so this comes before the ASCII STL test.</item>
/// <item>ASCII DXF: a first line that is a group code (an integer, 0 or 999 at the start of a
/// file) followed by SECTION or a comment line.</item>
/// <item>Binary STL: the length is exactly 84 + 50·n for the triangle count n at byte 80.</item>
/// <item>ASCII STL: the keyword <c>solid</c> followed by a blank or the end of the line.</item>
/// </list>
/// A UTF-8 byte-order mark and leading blank space are skipped for the text formats.
/// </remarks>
public static class CadContentSniffer
{
    private static ReadOnlySpan<byte> BinaryDxfSentinel => "AutoCAD Binary DXF\r\n\x1a\0"u8;

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    public static CadFormat? Detect(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(BinaryDxfSentinel))
        {
            return CadFormat.Dxf;
        }

        var text = SkipBlank(content.StartsWith(ByteOrderMark) ? content[3..] : content);
        if (text.StartsWith("ISO-10303-21"u8))
        {
            return CadFormat.Step;
        }

        if (IsIgesStartLine(content))
        {
            return CadFormat.Iges;
        }

        if (IsDxfStart(text))
        {
            return CadFormat.Dxf;
        }

        if (IsBinaryStlSize(content))
        {
            return CadFormat.Stl;
        }

        if (text.Length >= 5 && Ascii.EqualsIgnoreCase(text[..5], "solid"u8) && (text.Length == 5 || text[5] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return CadFormat.Stl;
        }

        return null;
    }

    private static ReadOnlySpan<byte> SkipBlank(ReadOnlySpan<byte> content)
    {
        var start = 0;
        while (start < content.Length && content[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        return content[start..];
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> rest)
    {
        var end = text.IndexOfAny((byte)'\r', (byte)'\n');
        if (end < 0)
        {
            rest = [];
            return text;
        }

        var next = end + 1;
        if (text[end] == (byte)'\r' && next < text.Length && text[next] == (byte)'\n')
        {
            next++;
        }

        rest = text[next..];
        return text[..end];
    }

    private static bool IsIgesStartLine(ReadOnlySpan<byte> content)
    {
        var line = FirstLine(content, out _);
        if (line.Length < 80 || line[72] is not ((byte)'S' or (byte)'G'))
        {
            return false;
        }

        var sequence = line[73..80].Trim((byte)' ');
        return sequence.Length > 0 && AllDigits(sequence);
    }

    private static bool IsDxfStart(ReadOnlySpan<byte> text)
    {
        var code = FirstLine(text, out var rest).Trim((byte)' ');
        if (code.SequenceEqual("999"u8))
        {
            return true;
        }

        if (!code.SequenceEqual("0"u8))
        {
            return false;
        }

        return FirstLine(rest, out _).Trim((byte)' ').SequenceEqual("SECTION"u8);
    }

    private static bool IsBinaryStlSize(ReadOnlySpan<byte> content) =>
        content.Length >= 84 && 84 + (50L * BinaryPrimitives.ReadUInt32LittleEndian(content[80..84])) == content.Length;

    private static bool AllDigits(ReadOnlySpan<byte> text)
    {
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }
}
