using System.Runtime.CompilerServices;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// One pass over the tags: header variables, block-record handles, block definitions and
/// model-space entities. Entities are measured as they are read (model space) or kept as
/// primitives of their block; INSERTs are expanded when the whole file is known, because a
/// reference may precede the definition it names.
/// </summary>
internal sealed partial class DxfParser(CancellationToken cancellationToken)
{
    private const int CancellationInterval = 4096;

    private readonly Dictionary<string, DxfKindEntry> _kinds = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<DxfKindEntry> _kindOrder = [];
    private readonly Dictionary<string, LayerEntry> _layers = new(StringComparer.Ordinal);
    private readonly List<LayerEntry> _layerOrder = [];
    private readonly Dictionary<string, DxfBlock> _blocks = new(StringComparer.OrdinalIgnoreCase);
    private readonly Extents _modelExtents = new();
    private ModelSpaceSink? _modelSink;
    private int _tagCount;
    private bool _sawSection;

    private ulong _modelSpaceHandle;
    private ulong _paperSpaceHandle;

    public string? AcadVersion { get; private set; }

    public string? CodePage { get; private set; }

    public long? InsUnits { get; private set; }

    public bool IsBinary { get; private set; }

    public Extents ModelExtents => _modelExtents;

    public IReadOnlyList<DxfKindEntry> Kinds => _kindOrder;

    public IReadOnlyList<LayerEntry> Layers => _layerOrder;

    public IReadOnlyList<BlockReference> TopLevelReferences => ModelSink.References;

    public DxfShape ModelShape => ModelSink.Shape;

    private ModelSpaceSink ModelSink => _modelSink ??= new ModelSpaceSink(_modelExtents);

    public void Parse(ReadOnlySpan<byte> data)
    {
        var tags = new DxfTagReader(data);
        IsBinary = tags.IsBinary;
        var eof = false;
        var pendingSection = false;
        while (!eof && (pendingSection || Next(ref tags)))
        {
            if (pendingSection || (tags.Code == 0 && tags.ValueIs("SECTION"u8)))
            {
                pendingSection = false;
                if (!Next(ref tags) || tags.Code != 2)
                {
                    throw tags.Invalid($"A SECTION at {tags.LocationName} {tags.Location} has no name.");
                }

                _sawSection = true;
                var end = ParseSection(ref tags);
                eof = end == SectionEnd.EndOfFile;
                pendingSection = end == SectionEnd.NextSection;
            }
            else if (tags.Code == 0 && tags.ValueIs("EOF"u8))
            {
                eof = true;
            }
            else if (tags.Code == 9)
            {
                // Header variables after a premature ENDSEC (LibreCAD's dxflib writes one right
                // after $HANDSEED): readers that recover keep them, and so does this one.
                var end = ParseHeaderVariables(ref tags);
                eof = end is null or SectionEnd.EndOfFile;
                pendingSection = end == SectionEnd.NextSection;
            }

            // Anything else between sections (a stray ENDSEC, comments) carries no information.
        }

        if (!_sawSection)
        {
            throw tags.Invalid("The data has no DXF section (expected \"0 SECTION\").", "NO_SECTIONS");
        }

        FinishOpenLink();
    }

    private enum SectionEnd
    {
        EndSec,
        NextSection,
        EndOfFile,
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Next(ref DxfTagReader tags)
    {
        if (++_tagCount % CancellationInterval == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return tags.Read();
    }

    private SectionEnd ParseSection(ref DxfTagReader tags)
    {
        var name = tags.TrimmedValue;
        if (name.SequenceEqual("HEADER"u8))
        {
            return ParseHeader(ref tags);
        }

        if (name.SequenceEqual("TABLES"u8))
        {
            return ParseTables(ref tags);
        }

        if (name.SequenceEqual("BLOCKS"u8))
        {
            return ParseEntities(ref tags, inBlocks: true);
        }

        if (name.SequenceEqual("ENTITIES"u8))
        {
            return ParseEntities(ref tags, inBlocks: false);
        }

        return SkipSection(ref tags);
    }

    /// <summary>
    /// Consumes tags up to the section's ENDSEC. Running out of data inside a section means the file
    /// was cut short: its counts would be silently wrong, so that is an error, not a smaller drawing.
    /// </summary>
    private SectionEnd SkipSection(ref DxfTagReader tags)
    {
        while (Next(ref tags))
        {
            if (tags.Code == 0 && SectionBoundary(ref tags, out var end))
            {
                return end;
            }
        }

        throw Truncated(ref tags);
    }

    private static bool SectionBoundary(ref DxfTagReader tags, out SectionEnd end)
    {
        var value = tags.TrimmedValue;
        if (value.SequenceEqual("ENDSEC"u8))
        {
            end = SectionEnd.EndSec;
            return true;
        }

        if (value.SequenceEqual("EOF"u8))
        {
            end = SectionEnd.EndOfFile;
            return true;
        }

        if (value.SequenceEqual("SECTION"u8))
        {
            end = SectionEnd.NextSection;
            return true;
        }

        end = default;
        return false;
    }

    private static Application.Analysis.Ports.CadReadException Truncated(ref DxfTagReader tags) =>
        tags.Invalid($"The file ends inside a section (last tag at {tags.LocationName} {tags.Location}); it is truncated.", "TRUNCATED");

    private SectionEnd ParseHeader(ref DxfTagReader tags)
    {
        while (Next(ref tags))
        {
            if (tags.Code == 0 && SectionBoundary(ref tags, out var boundary))
            {
                return boundary;
            }

            if (tags.Code == 9)
            {
                return ParseHeaderVariables(ref tags) ?? throw Truncated(ref tags);
            }
        }

        throw Truncated(ref tags);
    }

    /// <summary>
    /// Reads "9 $NAME" variables and their values, starting at a code 9 tag, up to the tag that ends
    /// the section; null when the data ends first.
    /// </summary>
    private SectionEnd? ParseHeaderVariables(ref DxfTagReader tags)
    {
        var variable = HeaderVariable.None;
        while (true)
        {
            if (tags.Code == 9)
            {
                var name = tags.TrimmedValue;
                variable = name.SequenceEqual("$ACADVER"u8) ? HeaderVariable.AcadVersion
                    : name.SequenceEqual("$DWGCODEPAGE"u8) ? HeaderVariable.CodePage
                    : name.SequenceEqual("$INSUNITS"u8) ? HeaderVariable.InsUnits
                    : HeaderVariable.None;
            }
            else if (tags.Code == 0)
            {
                if (SectionBoundary(ref tags, out var end))
                {
                    return end;
                }

                variable = HeaderVariable.None;
            }
            else
            {
                switch (variable)
                {
                    case HeaderVariable.AcadVersion when tags.Code == 1:
                        AcadVersion = System.Text.Encoding.ASCII.GetString(tags.TrimmedValue);
                        break;
                    case HeaderVariable.CodePage when tags.Code == 3:
                        CodePage = System.Text.Encoding.ASCII.GetString(tags.TrimmedValue);
                        break;
                    case HeaderVariable.InsUnits when tags.Code == 70:
                        InsUnits = tags.GetInteger();
                        break;
                }
            }

            if (!Next(ref tags))
            {
                return null;
            }
        }
    }

    private enum HeaderVariable
    {
        None,
        AcadVersion,
        CodePage,
        InsUnits,
    }

    /// <summary>Only the BLOCK_RECORD handles of model and paper space matter: entities name their owner by handle.</summary>
    private SectionEnd ParseTables(ref DxfTagReader tags)
    {
        var inBlockRecord = false;
        ulong handle = 0;
        var space = 0;
        while (Next(ref tags))
        {
            switch (tags.Code)
            {
                case 0:
                    if (inBlockRecord && handle != 0)
                    {
                        if (space == 1)
                        {
                            _modelSpaceHandle = handle;
                        }
                        else if (space == 2)
                        {
                            _paperSpaceHandle = handle;
                        }
                    }

                    if (SectionBoundary(ref tags, out var end))
                    {
                        return end;
                    }

                    inBlockRecord = tags.ValueIs("BLOCK_RECORD"u8);
                    handle = 0;
                    space = 0;
                    break;
                case 5 when inBlockRecord:
                    handle = tags.GetHandle();
                    break;
                case 2 when inBlockRecord:
                    space = SpaceOf(tags.TrimmedValue);
                    break;
            }
        }

        throw Truncated(ref tags);
    }

    /// <summary>1 for the model-space block, 2 for a paper-space block, 0 otherwise.</summary>
    private static int SpaceOf(ReadOnlySpan<byte> blockName)
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

    [SkipLocalsInit]
    private DxfKindEntry KindOf(ReadOnlySpan<byte> rawName)
    {
        Span<char> buffer = stackalloc char[64];
        if (rawName.Length <= buffer.Length)
        {
            var n = DxfText.Widen(rawName, buffer);
            var lookup = _kinds.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(buffer[..n], out var found))
            {
                return found;
            }
        }

        var name = System.Text.Encoding.Latin1.GetString(rawName).ToUpperInvariant();
        if (!_kinds.TryGetValue(name, out var entry))
        {
            entry = new DxfKindEntry(name, DxfKindEntry.Classify(name));
            _kinds.Add(name, entry);
        }

        return entry;
    }

    private void CountModelSpace(DxfKindEntry kind, ReadOnlySpan<byte> layer)
    {
        if (kind.Count++ == 0)
        {
            _kindOrder.Add(kind);
        }

        var entry = LayerOf(layer);
        if (entry.Count++ == 0)
        {
            _layerOrder.Add(entry);
        }
    }

    [SkipLocalsInit]
    private LayerEntry LayerOf(ReadOnlySpan<byte> raw)
    {
        Span<char> buffer = stackalloc char[256];
        if (raw.Length <= buffer.Length)
        {
            var n = DxfText.Widen(raw, buffer);
            if (_layers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(buffer[..n], out var found))
            {
                return found;
            }
        }

        var key = System.Text.Encoding.Latin1.GetString(raw);
        if (!_layers.TryGetValue(key, out var entry))
        {
            entry = new LayerEntry(key);
            _layers.Add(key, entry);
        }

        return entry;
    }

    [SkipLocalsInit]
    private DxfBlock BlockNamed(ReadOnlySpan<byte> raw)
    {
        raw = DxfNumber.Trim(raw);
        Span<char> buffer = stackalloc char[256];
        if (raw.Length <= buffer.Length)
        {
            var n = DxfText.Widen(raw, buffer);
            if (_blocks.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(buffer[..n], out var found))
            {
                return found;
            }
        }

        var key = System.Text.Encoding.Latin1.GetString(raw);
        if (!_blocks.TryGetValue(key, out var block))
        {
            block = new DxfBlock(key);
            _blocks.Add(key, block);
        }

        return block;
    }
}

/// <summary>A layer name as raw bytes (Latin-1 widened, decoded once at the end) and its model-space entity count.</summary>
internal sealed class LayerEntry(string rawKey)
{
    public string RawKey { get; } = rawKey;

    public int Count { get; set; }
}
