namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// The OBJECTS section as far as geometry depends on it: MLEADERSTYLE objects, which supply a
/// MULTILEADER's leader type, dogleg and arrow when the entity does not write its own.
/// </summary>
internal sealed class DxfObjects
{
    private readonly Dictionary<ulong, DxfMultileaderStyle> _multileaderStyles = [];

    public DxfMultileaderStyle? MultileaderStyle(ulong handle) =>
        _multileaderStyles.TryGetValue(handle, out var style) ? style : null;

    public DxfSectionEnd ReadSection(ref DxfTagReader tags)
    {
        DxfMultileaderStyle? style = null;
        ulong handle = 0;
        var inAppGroup = false;
        while (tags.Read())
        {
            if (tags.Code == 0)
            {
                if (style is not null && handle != 0)
                {
                    _multileaderStyles.TryAdd(handle, style);
                }

                if (DxfSection.IsBoundary(ref tags, out var end))
                {
                    return end;
                }

                style = tags.ValueIs("MLEADERSTYLE"u8) ? new DxfMultileaderStyle() : null;
                handle = 0;
                inAppGroup = false;
                continue;
            }

            if (style is null)
            {
                continue;
            }

            // Reactor groups ({ACAD_REACTORS … }) hold owner handles under codes that mean something else outside them.
            if (tags.Code == 102)
            {
                inAppGroup = tags.TrimmedValue.StartsWith("{"u8);
                continue;
            }

            if (inAppGroup)
            {
                continue;
            }

            switch (tags.Code)
            {
                case 5:
                    handle = tags.GetHandle();
                    break;
                case 173:
                    style.LeaderType = tags.GetInteger();
                    break;
                case 291:
                    style.HasDogleg = tags.GetInteger() != 0;
                    break;
                case 341:
                    style.ArrowBlock = tags.GetHandle();
                    break;
            }
        }

        throw DxfSection.Truncated(ref tags);
    }
}

/// <summary>MLEADERSTYLE values with their DXF defaults (leader type 1 = straight lines, with a dogleg, closed filled arrow).</summary>
internal sealed class DxfMultileaderStyle
{
    public static DxfMultileaderStyle Default => new();

    /// <summary>173: 0 invisible, 1 straight lines, 2 spline.</summary>
    public long LeaderType { get; set; } = 1;

    public bool HasDogleg { get; set; } = true;

    public ulong ArrowBlock { get; set; }
}
