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
    private readonly Dictionary<string, DxfKindEntry> _kinds = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<DxfKindEntry> _kindOrder = [];
    private readonly Dictionary<string, LayerEntry> _layers = new(StringComparer.Ordinal);
    private readonly List<LayerEntry> _layerOrder = [];
    private readonly Dictionary<string, DxfBlock> _blocks = new(StringComparer.OrdinalIgnoreCase);
    private readonly Extents _modelExtents = new();
    private readonly DxfHeader _header = new();
    private readonly DxfTables _tables = new();
    private readonly DxfObjects _objects = new();
    private readonly DxfLeaders _leaders = new();
    private ModelSpaceSink? _modelSink;
    private bool _sawSection;

    public string? AcadVersion => _header.AcadVersion;

    public string? CodePage => _header.CodePage;

    public long? InsUnits => _header.InsUnits;

    public bool IsBinary { get; private set; }

    public Extents ModelExtents => _modelExtents;

    public IReadOnlyList<DxfKindEntry> Kinds => _kindOrder;

    public IReadOnlyList<LayerEntry> Layers => _layerOrder;

    public IReadOnlyList<BlockReference> TopLevelReferences => ModelSink.References;

    public DxfShape ModelShape => ModelSink.Shape;

    /// <summary>Why leader graphics are not exactly bounded (<see cref="DxfLeaders.Approximations"/>).</summary>
    public IReadOnlyList<string> LeaderApproximations => _leaders.Approximations;

    private ModelSpaceSink ModelSink => _modelSink ??= new ModelSpaceSink(_modelExtents);

    public void Parse(ReadOnlySpan<byte> data)
    {
        var tags = new DxfTagReader(data, cancellationToken);
        IsBinary = tags.IsBinary;
        var eof = false;
        var pendingSection = false;
        while (!eof && (pendingSection || tags.Read()))
        {
            if (pendingSection || (tags.Code == 0 && tags.ValueIs("SECTION"u8)))
            {
                pendingSection = false;
                if (!tags.Read() || tags.Code != 2)
                {
                    throw tags.Invalid($"A SECTION at {tags.LocationName} {tags.Location} has no name.");
                }

                _sawSection = true;
                var end = ParseSection(ref tags);
                eof = end == DxfSectionEnd.EndOfFile;
                pendingSection = end == DxfSectionEnd.NextSection;
            }
            else if (tags.Code == 0 && tags.ValueIs("EOF"u8))
            {
                eof = true;
            }
            else if (tags.Code == 9)
            {
                // Header variables after a premature ENDSEC (LibreCAD's dxflib writes one right
                // after $HANDSEED): readers that recover keep them, and so does this one.
                var end = _header.ReadVariables(ref tags);
                eof = end is null or DxfSectionEnd.EndOfFile;
                pendingSection = end == DxfSectionEnd.NextSection;
            }

            // Anything else between sections (a stray ENDSEC, comments) carries no information.
        }

        if (!_sawSection)
        {
            throw tags.Invalid("The data has no DXF section (expected \"0 SECTION\").", "NO_SECTIONS");
        }

        FinishOpenLink();
        UncountLinkedMtextColumns();
        _leaders.Draw(new DxfDrawingContext(_header, _tables, _objects, DefinedBlock));
    }

    private DxfSectionEnd ParseSection(ref DxfTagReader tags)
    {
        var name = tags.TrimmedValue;
        if (name.SequenceEqual("HEADER"u8))
        {
            return _header.ReadSection(ref tags);
        }

        if (name.SequenceEqual("TABLES"u8))
        {
            return _tables.ReadSection(ref tags);
        }

        if (name.SequenceEqual("BLOCKS"u8))
        {
            return ParseEntities(ref tags, inBlocks: true);
        }

        if (name.SequenceEqual("ENTITIES"u8))
        {
            return ParseEntities(ref tags, inBlocks: false);
        }

        if (name.SequenceEqual("OBJECTS"u8))
        {
            return _objects.ReadSection(ref tags);
        }

        return DxfSection.Skip(ref tags);
    }

    private DxfBlock? DefinedBlock(string name) => _blocks.TryGetValue(name, out var block) && block.IsDefined ? block : null;

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

    private LayerEntry CountModelSpace(DxfKindEntry kind, ReadOnlySpan<byte> layer)
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

        return entry;
    }

    private void Uncount(DxfKindEntry kind, LayerEntry layer)
    {
        if (--kind.Count == 0)
        {
            _kindOrder.Remove(kind);
        }

        if (--layer.Count == 0)
        {
            _layerOrder.Remove(layer);
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
