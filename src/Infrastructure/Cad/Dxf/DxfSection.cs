using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>How a section's tags ended: its own ENDSEC, a SECTION that opens the next one without it, or EOF.</summary>
internal enum DxfSectionEnd
{
    EndSec,
    NextSection,
    EndOfFile,
}

/// <summary>The boundaries every section reader of a DXF file shares.</summary>
internal static class DxfSection
{
    /// <summary>True when a code-0 tag ends the current section (ENDSEC, EOF, or the next SECTION).</summary>
    public static bool IsBoundary(ref DxfTagReader tags, out DxfSectionEnd end)
    {
        var value = tags.TrimmedValue;
        if (value.SequenceEqual("ENDSEC"u8))
        {
            end = DxfSectionEnd.EndSec;
            return true;
        }

        if (value.SequenceEqual("EOF"u8))
        {
            end = DxfSectionEnd.EndOfFile;
            return true;
        }

        if (value.SequenceEqual("SECTION"u8))
        {
            end = DxfSectionEnd.NextSection;
            return true;
        }

        end = default;
        return false;
    }

    /// <summary>
    /// Consumes tags up to the section's ENDSEC. Running out of data inside a section means the file
    /// was cut short: its counts would be silently wrong, so that is an error, not a smaller drawing.
    /// </summary>
    public static DxfSectionEnd Skip(ref DxfTagReader tags)
    {
        while (tags.Read())
        {
            if (tags.Code == 0 && IsBoundary(ref tags, out var end))
            {
                return end;
            }
        }

        throw Truncated(ref tags);
    }

    public static CadReadException Truncated(ref DxfTagReader tags) =>
        tags.Invalid($"The file ends inside a section (last tag at {tags.LocationName} {tags.Location}); it is truncated.", "TRUNCATED");
}
