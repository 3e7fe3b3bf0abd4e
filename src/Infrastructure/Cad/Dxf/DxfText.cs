using System.Globalization;
using System.Text;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// Decodes the few strings the reader keeps (layer names, unknown entity kinds). Files before
/// AC1021 (R2007) are in the code page named by $DWGCODEPAGE; later ones are UTF-8. Characters
/// the code page cannot hold are written as \U+XXXX by AutoCAD in either case.
/// </summary>
internal static class DxfText
{
    public static Encoding EncodingFor(string? acadVersion, string? codePage)
    {
        if (acadVersion is not null && string.CompareOrdinal(acadVersion, "AC1021") >= 0)
        {
            return Encoding.UTF8;
        }

        // "ANSI_1252", "ANSI_936", also "dos850" and similar in old files: the digits name the page.
        if (codePage is not null)
        {
            var digitsAt = codePage.AsSpan().IndexOfAnyInRange('0', '9');
            if (digitsAt >= 0 && int.TryParse(codePage.AsSpan(digitsAt), NumberStyles.None, CultureInfo.InvariantCulture, out var page))
            {
                try
                {
                    var encoding = CodePagesEncodingProvider.Instance.GetEncoding(page) ?? TryFramework(page);
                    if (encoding is not null)
                    {
                        return encoding;
                    }
                }
                catch (ArgumentException)
                {
                    // An unknown page number: fall through to the default.
                }
            }
        }

        return Windows1252.Value;
    }

    private static readonly Lazy<Encoding> Windows1252 = new(() => CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? Encoding.Latin1);

    private static Encoding? TryFramework(int page)
    {
        try
        {
            return Encoding.GetEncoding(page);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    public static string Decode(ReadOnlySpan<byte> raw, Encoding encoding)
    {
        var text = IsAscii(raw) ? Encoding.ASCII.GetString(raw) : encoding.GetString(raw);
        return text.Contains("\\U+", StringComparison.Ordinal) ? DecodeUnicodeEscapes(text) : text;
    }

    private static bool IsAscii(ReadOnlySpan<byte> raw) => System.Text.Ascii.IsValid(raw);

    /// <summary>Replaces \U+XXXX (four hex digits) by the character it names; malformed escapes stay as they are.</summary>
    public static string DecodeUnicodeEscapes(string text)
    {
        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (i + 7 <= text.Length && text[i] == '\\' && (text[i + 1] == 'U' || text[i + 1] == 'u') && text[i + 2] == '+'
                && int.TryParse(text.AsSpan(i + 3, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cp))
            {
                builder.Append((char)cp);
                i += 7;
            }
            else
            {
                builder.Append(text[i]);
                i++;
            }
        }

        return builder.ToString();
    }

    /// <summary>Bytes as Latin-1 characters: a lossless key for raw byte strings in string dictionaries.</summary>
    public static int Widen(ReadOnlySpan<byte> raw, Span<char> buffer)
    {
        var n = Math.Min(raw.Length, buffer.Length);
        for (var i = 0; i < n; i++)
        {
            buffer[i] = (char)raw[i];
        }

        return n;
    }
}
