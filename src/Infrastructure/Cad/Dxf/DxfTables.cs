namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// The TABLES section as far as geometry depends on it: BLOCK_RECORD handles (entities name their
/// owning space by handle, dimension styles name their arrow blocks by handle) and the DIMSTYLE
/// entries that size leader arrowheads.
/// </summary>
internal sealed class DxfTables
{
    private readonly Dictionary<ulong, string> _blockRecordNames = [];
    private readonly Dictionary<string, DxfDimensionStyle> _dimensionStyles = new(StringComparer.OrdinalIgnoreCase);

    private enum Entry
    {
        None,
        BlockRecord,
        DimensionStyle,
    }

    public ulong ModelSpaceHandle { get; private set; }

    public ulong PaperSpaceHandle { get; private set; }

    /// <summary>The name of the block a BLOCK_RECORD handle stands for; null for handle 0 or an unknown handle.</summary>
    public string? BlockRecordName(ulong handle) => handle != 0 && _blockRecordNames.TryGetValue(handle, out var name) ? name : null;

    public DxfDimensionStyle? DimensionStyle(string? name) =>
        name is not null && _dimensionStyles.TryGetValue(name, out var style) ? style : null;

    public DxfSectionEnd ReadSection(ref DxfTagReader tags)
    {
        var entry = Entry.None;
        ulong handle = 0;
        string? name = null;
        DxfDimensionStyle? style = null;
        while (tags.Read())
        {
            if (tags.Code == 0)
            {
                Finish(entry, handle, name, style);
                if (DxfSection.IsBoundary(ref tags, out var end))
                {
                    return end;
                }

                entry = tags.ValueIs("BLOCK_RECORD"u8) ? Entry.BlockRecord
                    : tags.ValueIs("DIMSTYLE"u8) ? Entry.DimensionStyle
                    : Entry.None;
                handle = 0;
                name = null;
                style = entry == Entry.DimensionStyle ? new DxfDimensionStyle() : null;
                continue;
            }

            switch (entry)
            {
                case Entry.BlockRecord:
                    switch (tags.Code)
                    {
                        case 5:
                            handle = tags.GetHandle();
                            break;
                        case 2:
                            name = System.Text.Encoding.Latin1.GetString(tags.TrimmedValue);
                            break;
                    }

                    break;
                case Entry.DimensionStyle when style is not null:
                    // R12 writes arrow block names under 5..7; only the R2000 handle (341) names the leader's arrow.
                    switch (tags.Code)
                    {
                        case 2:
                            name = System.Text.Encoding.Latin1.GetString(tags.TrimmedValue);
                            break;
                        case 40:
                            style.Scale = tags.GetDouble();
                            break;
                        case 41:
                            style.ArrowSize = tags.GetDouble();
                            break;
                        case 341:
                            style.LeaderArrowBlock = tags.GetHandle();
                            break;
                    }

                    break;
            }
        }

        throw DxfSection.Truncated(ref tags);
    }

    private void Finish(Entry entry, ulong handle, string? name, DxfDimensionStyle? style)
    {
        switch (entry)
        {
            case Entry.BlockRecord when handle != 0:
                if (name is not null)
                {
                    _blockRecordNames[handle] = name;
                }

                switch (SpaceOf(name))
                {
                    case 1:
                        ModelSpaceHandle = handle;
                        break;
                    case 2:
                        PaperSpaceHandle = handle;
                        break;
                }

                break;
            case Entry.DimensionStyle when name is not null && style is not null:
                // The first entry of a name is the one a reference gets, as for blocks.
                _dimensionStyles.TryAdd(name, style);
                break;
        }
    }

    private static int SpaceOf(string? blockName) =>
        blockName is { Length: >= 12 } && blockName[0] is '*' or '$'
            ? SpaceOf(System.Text.Encoding.Latin1.GetBytes(blockName))
            : 0;

    /// <summary>1 for the model-space block, 2 for a paper-space block, 0 otherwise.</summary>
    public static int SpaceOf(ReadOnlySpan<byte> blockName)
    {
        if (blockName.Length < 12 || (blockName[0] != (byte)'*' && blockName[0] != (byte)'$'))
        {
            return 0;
        }

        var rest = blockName[1..];
        if (System.Text.Ascii.EqualsIgnoreCase(rest, "MODEL_SPACE"u8))
        {
            return 1;
        }

        return rest.Length >= 11 && System.Text.Ascii.EqualsIgnoreCase(rest[..11], "PAPER_SPACE"u8) ? 2 : 0;
    }
}

/// <summary>
/// The DIMSTYLE variables a LEADER's graphics depend on, as written in the table entry or in a
/// leader's ACAD DSTYLE override; null where the entry does not set one.
/// </summary>
internal sealed class DxfDimensionStyle
{
    /// <summary>DIMASZ (41).</summary>
    public double? ArrowSize { get; set; }

    /// <summary>DIMSCALE (40); 0 means 1, as in ezdxf's rendering.</summary>
    public double? Scale { get; set; }

    /// <summary>DIMLDRBLK (341): the BLOCK_RECORD handle of the leader's arrow; 0 = closed filled.</summary>
    public ulong? LeaderArrowBlock { get; set; }
}
