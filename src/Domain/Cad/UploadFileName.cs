using System.Globalization;
using System.Text;

namespace CadMl.Domain.Cad;

/// <summary>
/// The name of an uploaded file as it may be stored and shown: its last path segment, whatever
/// the client's path convention, without characters that can hide what the name says.
/// </summary>
/// <remarks>
/// Clients send what their platform has: <c>C:\parts\a.dxf</c> from Windows, <c>..\..\a.dxf</c>
/// from a hand-made request, <c>/home/x/a.dxf</c> from curl. Only the last segment is the name.
/// Control characters (NUL included) cut or garble names in logs, shells and downstream systems;
/// bidirectional overrides and isolates reorder how a name is displayed
/// (<c>part&#x202E;fxd.exe</c> reads as <c>partexe.dxf</c>), so both are removed, not escaped.
/// </remarks>
public static class UploadFileName
{
    /// <summary>The cleaned name; empty when nothing of a name is left.</summary>
    public static string Clean(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return "";
        }

        var kept = new StringBuilder(raw.Length);
        foreach (var rune in raw.EnumerateRunes())
        {
            if (!Hides(rune))
            {
                kept.Append(rune.ToString());
            }
        }

        var name = kept.ToString();
        var lastSeparator = name.LastIndexOfAny(['/', '\\']);
        name = name[(lastSeparator + 1)..];

        // A drive-relative name (C:a.dxf) keeps no drive.
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            name = name[2..];
        }

        name = name.Trim();
        return name is "." or ".." ? "" : name;
    }

    private static bool Hides(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control
        || rune.Value is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);
}
