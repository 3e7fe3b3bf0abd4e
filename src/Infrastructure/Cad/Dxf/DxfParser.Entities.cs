namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>Entities of the BLOCKS and ENTITIES sections: which ones count, and their geometry.</summary>
internal sealed partial class DxfParser
{
    private const double DegreesToRadians = DxfCoordinates.DegreesToRadians;

    // Fields of the entity being read. Codes 10..59 are doubles and 60..79 integers in every
    // entity type, so one flat slot per code serves all simple types without per-type classes.
    private readonly double[] _d = new double[50];
    private readonly long[] _i = new long[20];
    private ulong _dSeen;
    private uint _iSeen;
    private double _ex, _ey, _ez = 1;
    private int _layerOffset = -1, _layerLength;
    private int _nameOffset = -1, _nameLength;
    private long _paperFlag;
    private ulong _owner;
    private bool _hasOwner;
    private bool _inAppGroup;

    /// <summary>A spline was bounded by its control (or fit) points: its box holds the curve but may be larger.</summary>
    public bool SplineExtentsApproximate { get; private set; }

    // MTEXT columns before R2018 are separate MTEXT entities; the first one lists the others'
    // handles in its ACAD XDATA (ACAD_MTEXT_COLUMNS_BEGIN … 1005 handles … _END). AutoCAD and
    // ezdxf show the whole as one MTEXT, so the listed ones are uncounted once the section is read.
    private readonly HashSet<ulong> _linkedMtextColumns = [];
    private readonly Dictionary<ulong, (DxfKindEntry Kind, LayerEntry Layer)> _countedMtext = [];
    private ulong _handle;
    private bool _hasHandle;
    private bool _inMtextColumns;

    private ReadMode _mode;
    private DxfKindEntry? _entry;
    private DxfEntityKind _kind;

    // Variable-length data of the current entity, reused across entities: LWPOLYLINE vertices,
    // SPLINE/LEADER/MESH points, IMAGE clip boundary; fit points separately.
    private double[] _list = [];
    private int _listCount;
    private double[] _fit = [];
    private int _fitCount;

    // Geometry in the entity's object coordinate system, mapped to world coordinates once the
    // extrusion is known (LWPOLYLINE writes it after its vertices).
    private readonly DxfLocalOutline _outline = new();
    private DxfHatchBoundary? _hatchBoundary;

    // MESH: vertices come before the face list (93); face indices are not coordinates.
    private bool _meshFaces;

    // Section context.
    private bool _inBlocks;
    private GeometrySink? _blockSink;
    private bool _blockCounts;

    // POLYLINE + VERTEX… + SEQEND and INSERT (66=1) + ATTRIB… + SEQEND are one entity each.
    private LinkMode _link;
    private GeometrySink _linkSink = DiscardingSink.Instance;
    private DxfPolylineSequence? _polyline;

    private enum ReadMode
    {
        None,
        Skip,
        Entity,
        BlockHeader,
        LinkedVertex,
    }

    private enum LinkMode
    {
        None,
        Polyline,
        Insert,
    }

    private DxfHatchBoundary Hatch => _hatchBoundary ??= new DxfHatchBoundary(_outline);

    private DxfPolylineSequence Polyline => _polyline ??= new DxfPolylineSequence(_outline);

    private DxfSectionEnd ParseEntities(ref DxfTagReader tags, bool inBlocks)
    {
        _inBlocks = inBlocks;
        _blockSink = null;
        _blockCounts = false;
        _mode = ReadMode.None;
        while (tags.Read())
        {
            if (tags.Code == 0)
            {
                FinishEntity(ref tags);
                if (DxfSection.IsBoundary(ref tags, out var end))
                {
                    FinishOpenLink();
                    _mode = ReadMode.None;
                    return end;
                }

                StartEntity(ref tags);
            }
            else if (_mode is not (ReadMode.None or ReadMode.Skip))
            {
                OnTag(ref tags);
            }
        }

        throw DxfSection.Truncated(ref tags);
    }

    private void StartEntity(ref DxfTagReader tags)
    {
        var raw = tags.TrimmedValue;
        ResetFields();
        if (_inBlocks)
        {
            if (raw.SequenceEqual("BLOCK"u8))
            {
                FinishOpenLink();
                _mode = ReadMode.BlockHeader;
                return;
            }

            if (raw.SequenceEqual("ENDBLK"u8))
            {
                FinishOpenLink();
                _blockSink = null;
                _blockCounts = false;
                _mode = ReadMode.Skip;
                return;
            }

            if (_blockSink is null)
            {
                // Entities outside BLOCK…ENDBLK belong to nothing.
                _mode = ReadMode.Skip;
                return;
            }
        }

        var entry = KindOf(raw);
        if (_link != LinkMode.None)
        {
            if (entry.Kind == DxfEntityKind.SeqEnd)
            {
                FinishOpenLink();
                _mode = ReadMode.Skip;
                return;
            }

            if (_link == LinkMode.Polyline && entry.Kind == DxfEntityKind.Vertex)
            {
                _mode = ReadMode.LinkedVertex;
                return;
            }

            if (_link == LinkMode.Insert && entry.Kind == DxfEntityKind.Attrib)
            {
                _mode = ReadMode.Skip;
                return;
            }

            // A sequence without its SEQEND: it ends where something else begins.
            FinishOpenLink();
        }

        if (entry.Kind == DxfEntityKind.SeqEnd)
        {
            // A SEQEND with nothing open ends nothing and draws nothing; no CAD tool lists it.
            _mode = ReadMode.Skip;
            return;
        }

        _mode = ReadMode.Entity;
        _entry = entry;
        _kind = entry.Kind;
        if (_kind == DxfEntityKind.Leader)
        {
            _leaders.StartLeader();
        }
        else if (_kind == DxfEntityKind.Multileader)
        {
            _leaders.StartMultileader();
        }
    }

    private void MtextColumnTag(ref DxfTagReader tags)
    {
        if (tags.Code == 1000)
        {
            var value = tags.TrimmedValue;
            if (value.SequenceEqual("ACAD_MTEXT_COLUMNS_BEGIN"u8))
            {
                _inMtextColumns = true;
            }
            else if (value.SequenceEqual("ACAD_MTEXT_COLUMNS_END"u8))
            {
                _inMtextColumns = false;
            }
        }
        else if (tags.Code == 1005 && _inMtextColumns && (!_hasHandle || tags.GetHandle() != _handle))
        {
            _linkedMtextColumns.Add(tags.GetHandle());
        }
    }

    /// <summary>Uncounts the MTEXT column entities that another MTEXT lists as its own columns.</summary>
    private void UncountLinkedMtextColumns()
    {
        foreach (var handle in _linkedMtextColumns)
        {
            if (_countedMtext.Remove(handle, out var counted))
            {
                Uncount(counted.Kind, counted.Layer);
            }
        }

        _linkedMtextColumns.Clear();
    }

    private void ResetFields()
    {
        _dSeen = 0;
        _iSeen = 0;
        _ex = 0;
        _ey = 0;
        _ez = 1;
        _layerOffset = -1;
        _nameOffset = -1;
        _paperFlag = 0;
        _hasOwner = false;
        _inAppGroup = false;
        _hasHandle = false;
        _inMtextColumns = false;
        _listCount = 0;
        _fitCount = 0;
        _outline.Clear();
        Hatch.Reset();
        _meshFaces = false;
        _entry = null;
    }

    private void OnTag(ref DxfTagReader tags)
    {
        var code = tags.Code;
        if (_inAppGroup)
        {
            if (code == 102)
            {
                _inAppGroup = false;
            }

            return;
        }

        switch (code)
        {
            case 8:
                _layerOffset = tags.ValueOffset;
                _layerLength = tags.Value.Length;
                return;
            case 67:
                _paperFlag = tags.GetInteger();
                return;
            case 330:
                if (!_hasOwner)
                {
                    _owner = tags.GetHandle();
                    _hasOwner = true;
                }

                return;
            case 102:
                _inAppGroup = tags.TrimmedValue.StartsWith("{"u8);
                return;
            case 5:
                _handle = tags.GetHandle();
                _hasHandle = true;
                return;
            case 100 or 999:
                return;
            case >= 1000:
                if (_kind == DxfEntityKind.Leader && _mode == ReadMode.Entity)
                {
                    _leaders.LeaderTag(ref tags);
                }
                else if (_entry?.Name == "MTEXT")
                {
                    MtextColumnTag(ref tags);
                }

                return;
        }

        if (_mode != ReadMode.Entity)
        {
            Slot(ref tags);
            return;
        }

        switch (_kind)
        {
            case DxfEntityKind.Other or DxfEntityKind.Text or DxfEntityKind.Attrib or DxfEntityKind.Vertex or DxfEntityKind.SeqEnd:
                return;
            case DxfEntityKind.LwPolyline:
                LwPolylineTag(ref tags);
                return;
            case DxfEntityKind.Spline:
                SplineTag(ref tags);
                return;
            case DxfEntityKind.Hatch:
                if (!Hatch.Tag(ref tags))
                {
                    Slot(ref tags);
                }

                return;
            case DxfEntityKind.Leader:
                _leaders.LeaderTag(ref tags);
                return;
            case DxfEntityKind.Multileader:
                _leaders.MultileaderTag(ref tags);
                return;
            case DxfEntityKind.Mesh:
                if (code == 93)
                {
                    _meshFaces = true;
                }
                else if (!_meshFaces)
                {
                    PointListTag(ref tags, 10);
                }

                return;
            case DxfEntityKind.MLine:
                PointListTag(ref tags, 11);
                return;
            case DxfEntityKind.Image when code is 14 or 24:
                PointListTag(ref tags, 14);
                return;
            default:
                Slot(ref tags);
                return;
        }
    }

    private void Slot(ref DxfTagReader tags)
    {
        var code = tags.Code;
        if (code is >= 10 and <= 59)
        {
            _d[code - 10] = tags.GetDouble();
            _dSeen |= 1UL << (code - 10);
        }
        else if (code is >= 60 and <= 79)
        {
            _i[code - 60] = tags.GetInteger();
            _iSeen |= 1u << (code - 60);
        }
        else if (code == 210)
        {
            _ex = tags.GetDouble();
        }
        else if (code == 220)
        {
            _ey = tags.GetDouble();
        }
        else if (code == 230)
        {
            _ez = tags.GetDouble();
        }
        else if (code == 2)
        {
            _nameOffset = tags.ValueOffset;
            _nameLength = tags.Value.Length;
        }
    }

    private bool Has(int code) => (_dSeen & (1UL << (code - 10))) != 0;

    private double D(int code, double fallback = 0) => Has(code) ? _d[code - 10] : fallback;

    private long I(int code, long fallback = 0) => (_iSeen & (1u << (code - 60))) != 0 ? _i[code - 60] : fallback;

    private Vec3 P(int code) => new(D(code), D(code + 10), D(code + 20));

    private Ocs EntityOcs => Ocs.FromExtrusion(_ex, _ey, _ez);

    private void FinishEntity(ref DxfTagReader tags)
    {
        switch (_mode)
        {
            case ReadMode.BlockHeader:
                BeginBlock(ref tags);
                break;
            case ReadMode.LinkedVertex:
                AddVertex();
                break;
            case ReadMode.Entity:
                FinishModelOrBlockEntity(ref tags);
                break;
        }

        _mode = ReadMode.None;
    }

    private void BeginBlock(ref DxfTagReader tags)
    {
        var name = _nameOffset >= 0 ? tags.Data.Slice(_nameOffset, _nameLength) : default;
        switch (DxfTables.SpaceOf(DxfNumber.Trim(name)))
        {
            case 1:
                _blockSink = ModelSink;
                _blockCounts = true;
                return;
            case 2:
                _blockSink = DiscardingSink.Instance;
                _blockCounts = false;
                return;
        }

        var block = BlockNamed(name);
        _blockCounts = false;
        if (block.IsDefined)
        {
            // A second definition of one name: the first one is what references get, as in AutoCAD.
            _blockSink = DiscardingSink.Instance;
            return;
        }

        block.IsDefined = true;
        block.BasePoint = P(10);
        _blockSink = block;
    }

    private void FinishModelOrBlockEntity(ref DxfTagReader tags)
    {
        GeometrySink sink;
        bool counted;
        if (_inBlocks)
        {
            sink = _blockSink ?? DiscardingSink.Instance;
            counted = _blockCounts;
        }
        else
        {
            // The owner handle decides first, the paper-space flag only when the owner is
            // neither space (ezdxf does the same; the flag alone is what R12 files have).
            var paper = _hasOwner && _owner != 0 && _owner == _tables.ModelSpaceHandle ? false
                : _hasOwner && _owner != 0 && _owner == _tables.PaperSpaceHandle ? true
                : _paperFlag != 0;
            counted = !paper;
            sink = paper ? DiscardingSink.Instance : ModelSink;
        }

        if (counted)
        {
            var layer = CountModelSpace(_entry!, _layerOffset >= 0 ? tags.Data.Slice(_layerOffset, _layerLength) : "0"u8);
            if (_hasHandle && _entry!.Name == "MTEXT")
            {
                _countedMtext[_handle] = (_entry, layer);
            }
        }

        if (_kind == DxfEntityKind.Polyline)
        {
            StartPolyline(sink);
            return;
        }

        if (_kind == DxfEntityKind.Insert && I(66) != 0)
        {
            _link = LinkMode.Insert;
            _linkSink = DiscardingSink.Instance;
        }

        if (!ReferenceEquals(sink, DiscardingSink.Instance))
        {
            EmitGeometry(ref tags, sink);
        }
    }

    private void EmitGeometry(ref DxfTagReader tags, GeometrySink sink)
    {
        switch (_kind)
        {
            case DxfEntityKind.Line:
                sink.Point(P(10));
                sink.Point(P(11));
                sink.Segment(P(10), P(11));
                break;
            case DxfEntityKind.Point:
                sink.Point(P(10));
                break;
            case DxfEntityKind.Circle:
                EmitCircle(sink, 0, 360, full: true);
                break;
            case DxfEntityKind.Arc:
                EmitCircle(sink, D(50), D(51, 360), full: false);
                break;
            case DxfEntityKind.Ellipse:
                EmitEllipse(sink);
                break;
            case DxfEntityKind.LwPolyline:
                EmitLwPolyline(sink);
                break;
            case DxfEntityKind.Spline:
                EmitPointList(sink, _listCount > 0 ? _list : _fit, _listCount > 0 ? _listCount : _fitCount);
                SplineExtentsApproximate |= _listCount + _fitCount > 0;
                break;
            case DxfEntityKind.Leader:
                _leaders.FinishLeader(sink);
                break;
            case DxfEntityKind.Multileader:
                _leaders.FinishMultileader(sink);
                break;
            case DxfEntityKind.Mesh or DxfEntityKind.MLine:
                EmitPointList(sink, _list, _listCount);
                break;
            case DxfEntityKind.Solid:
                EmitCorners(sink, EntityOcs, solidOrder: true);
                break;
            case DxfEntityKind.Face3d:
                EmitCorners(sink, Ocs.World, solidOrder: false);
                break;
            case DxfEntityKind.Insert:
                EmitInsert(ref tags, sink);
                break;
            case DxfEntityKind.Dimension:
                EmitDimension(ref tags, sink);
                break;
            case DxfEntityKind.Table:
                EmitTable(ref tags, sink);
                break;
            case DxfEntityKind.Hatch:
                Hatch.Finish();
                _outline.EmitTo(sink, EntityOcs, Hatch.Elevation);
                break;
            case DxfEntityKind.Image:
                EmitImage(sink);
                break;
            case DxfEntityKind.Viewport:
                EmitViewport(sink);
                break;
        }
    }

    private void EmitCircle(GeometrySink sink, double startDegrees, double endDegrees, bool full)
    {
        var radius = Math.Abs(D(40));
        if (!(radius > 0) && !double.IsNaN(radius))
        {
            // A circle of radius 0 draws nothing (ezdxf and AutoCAD agree).
            return;
        }

        var ocs = EntityOcs;
        var c = P(10);
        var span = full ? EllipticArc.FullTurn : EllipticArc.SpanOf(startDegrees * DegreesToRadians, endDegrees * DegreesToRadians);
        sink.Arc(new EllipticArc(ocs.ToWcs(c.X, c.Y, c.Z), ocs.Ax * radius, ocs.Ay * radius, startDegrees * DegreesToRadians, span));
    }

    private void EmitEllipse(GeometrySink sink)
    {
        var major = P(11);
        var normal = new Vec3(_ex, _ey, _ez).NormalizedOr(Vec3.UnitZ);
        var minor = Vec3.Cross(normal, major) * D(40, 1);
        var start = D(41);
        var span = EllipticArc.SpanOf(start, D(42, EllipticArc.FullTurn));
        sink.Arc(new EllipticArc(P(10), major, minor, start, span));
    }

    /// <summary>
    /// The corners of a SOLID, TRACE or 3DFACE and its outline edges. A SOLID/TRACE's fourth
    /// corner (13) is written opposite the first, so its outline runs 10, 11, 13, 12; a 3DFACE's
    /// runs 10, 11, 12, 13. A triangle repeats a corner: that edge has length 0 and is not counted.
    /// </summary>
    private void EmitCorners(GeometrySink sink, Ocs ocs, bool solidOrder)
    {
        var last = Has(13) ? 13 : 12;
        for (var code = 10; code <= last; code++)
        {
            var p = P(code);
            sink.Point(ocs.ToWcs(p.X, p.Y, p.Z));
        }

        Span<int> outline = last == 12 ? [10, 11, 12] : solidOrder ? [10, 11, 13, 12] : [10, 11, 12, 13];
        var corners = outline.Length;
        for (var i = 0; i < corners; i++)
        {
            var a = P(outline[i]);
            var b = P(outline[(i + 1) % corners]);
            sink.Segment(ocs.ToWcs(a.X, a.Y, a.Z), ocs.ToWcs(b.X, b.Y, b.Z));
        }
    }

    private static void EmitPointList(GeometrySink sink, double[] points, int count)
    {
        for (var i = 0; i + 2 < count; i += 3)
        {
            sink.Point(new Vec3(points[i], points[i + 1], points[i + 2]));
        }
    }

    private void PointListTag(ref DxfTagReader tags, int xCode)
    {
        if (!DxfCoordinates.ReadPointTag(ref tags, xCode, xCode + 10, xCode + 20, ref _list, ref _listCount))
        {
            Slot(ref tags);
        }
    }

    private void LwPolylineTag(ref DxfTagReader tags)
    {
        // Per vertex: 10/20 the point, 42 its bulge (kept as the point's third value).
        if (!DxfCoordinates.ReadPointTag(ref tags, 10, 20, 42, ref _list, ref _listCount) && tags.Code is 38 or 70 or 210 or 220 or 230)
        {
            Slot(ref tags);
        }
    }

    private void EmitLwPolyline(GeometrySink sink)
    {
        var closed = (I(70) & 1) != 0;
        _outline.Polyline(_list, _listCount, 3, closed, straightEdges: true);
        _outline.EmitTo(sink, EntityOcs, D(38));
    }

    private void SplineTag(ref DxfTagReader tags)
    {
        // 10/20/30 control points, 11/21/31 fit points.
        _ = DxfCoordinates.ReadPointTag(ref tags, 10, 20, 30, ref _list, ref _listCount)
            || DxfCoordinates.ReadPointTag(ref tags, 11, 21, 31, ref _fit, ref _fitCount);
    }

    private void StartPolyline(GeometrySink sink)
    {
        _link = LinkMode.Polyline;
        _linkSink = sink;
        Polyline.Start(I(70), Has(30), D(30), EntityOcs);
    }

    private void AddVertex() => Polyline.AddVertex(D(10), D(20), D(30), D(42), I(70));

    /// <summary>Ends an open POLYLINE or INSERT sequence and emits the polyline's geometry.</summary>
    private void FinishOpenLink()
    {
        if (_link == LinkMode.Polyline && !ReferenceEquals(_linkSink, DiscardingSink.Instance))
        {
            Polyline.EmitTo(_linkSink);
        }

        _link = LinkMode.None;
        _linkSink = DiscardingSink.Instance;
        Polyline.Clear();
    }

    private void EmitInsert(ref DxfTagReader tags, GeometrySink sink)
    {
        if (_nameOffset < 0)
        {
            return;
        }

        var block = BlockNamed(tags.Data.Slice(_nameOffset, _nameLength));
        var ocs = EntityOcs;
        var sx = D(41, 1);
        var sy = D(42, 1);
        var sz = D(43, 1);
        var (sin, cos) = Math.SinCos(D(50) * DegreesToRadians);
        var ux = ocs.DirectionToWcs(cos * sx, sin * sx, 0);
        var uy = ocs.DirectionToWcs(-sin * sy, cos * sy, 0);
        var uz = ocs.Az * sz;
        var insert = P(10);
        var transform = new Affine(ux, uy, uz, ocs.ToWcs(insert.X, insert.Y, insert.Z));

        // MINSERT: as ezdxf's mcount, a count only multiplies when its spacing is non-zero. The
        // grid is rotated with the block but not scaled.
        var columns = I(70, 1);
        var rows = I(71, 1);
        var columnSpacing = D(44);
        var rowSpacing = D(45);
        var copies = (rowSpacing != 0 ? rows : 1) * (columnSpacing != 0 ? columns : 1);
        Vec3 gridColumns = default, gridRows = default;
        if (copies > 1)
        {
            if (columns < 1 || rows < 1)
            {
                return;
            }

            var cx = (columns - 1) * columnSpacing;
            var ry = (rows - 1) * rowSpacing;
            gridColumns = ocs.DirectionToWcs(cos * cx, sin * cx, 0);
            gridRows = ocs.DirectionToWcs(-sin * ry, cos * ry, 0);
        }

        sink.Reference(new BlockReference(block, transform, gridColumns, gridRows, ShiftsBasePoint: true));
    }

    /// <summary>
    /// ACAD_TABLE is a block reference (AcDbBlockReference: 2 block, 10 insertion point) whose
    /// block AutoCAD regenerates with every edit; its own group codes 40–45 are cell margins and
    /// flags, not scales, so the table is placed at its insertion point, turned to its horizontal
    /// direction (11/21/31), unscaled.
    /// </summary>
    private void EmitTable(ref DxfTagReader tags, GeometrySink sink)
    {
        if (_nameOffset < 0)
        {
            return;
        }

        var block = BlockNamed(tags.Data.Slice(_nameOffset, _nameLength));
        var ocs = EntityOcs;
        var ux = (Has(11) ? P(11) : Vec3.UnitX).NormalizedOr(Vec3.UnitX);
        var uz = ocs.Az;
        var uy = Vec3.Cross(uz, ux).NormalizedOr(Vec3.UnitY);
        var insert = P(10);
        sink.Reference(new BlockReference(block, new Affine(ux, uy, uz, ocs.ToWcs(insert.X, insert.Y, insert.Z)), default, default, ShiftsBasePoint: true));
    }

    private void EmitDimension(ref DxfTagReader tags, GeometrySink sink)
    {
        if (_nameOffset < 0)
        {
            return;
        }

        var block = BlockNamed(tags.Data.Slice(_nameOffset, _nameLength));
        var translation = default(Vec3);
        if (Has(12))
        {
            var p = P(12);
            translation = EntityOcs.ToWcs(p.X, p.Y, p.Z);
        }

        sink.Reference(new BlockReference(block, Affine.Identity with { T = translation }, default, default, ShiftsBasePoint: false));
    }

    /// <summary>
    /// IMAGE and WIPEOUT: the clip boundary (pixel coordinates, origin at the top left pixel
    /// corner) mapped through the pixel vectors, or the whole image when there is none.
    /// </summary>
    private void EmitImage(GeometrySink sink)
    {
        var u = P(11);
        var v = P(12);
        var height = D(23);
        var origin = P(10) + (u * 0.5) - (v * 0.5);
        if (_listCount < 6)
        {
            var w = D(13);
            _listCount = 0;
            DxfCoordinates.Append(ref _list, ref _listCount, -0.5, -0.5, 0);
            DxfCoordinates.Append(ref _list, ref _listCount, w - 0.5, height - 0.5, 0);
        }

        var count = _listCount / 3;
        if (count == 2)
        {
            var (x0, y0, x1, y1) = (_list[0], _list[1], _list[3], _list[4]);
            _listCount = 0;
            DxfCoordinates.Append(ref _list, ref _listCount, x0, y0, 0);
            DxfCoordinates.Append(ref _list, ref _listCount, x1, y0, 0);
            DxfCoordinates.Append(ref _list, ref _listCount, x1, y1, 0);
            DxfCoordinates.Append(ref _list, ref _listCount, x0, y1, 0);
        }

        for (var i = 0; i + 2 < _listCount; i += 3)
        {
            sink.Point(origin + (u * _list[i]) + (v * (height - _list[i + 1])));
        }
    }

    private void EmitViewport(GeometrySink sink)
    {
        if (I(68) == 0)
        {
            // A viewport that is off shows nothing.
            return;
        }

        var c = P(10);
        var w = D(40) / 2;
        var h = D(41) / 2;
        sink.Point(new Vec3(c.X - w, c.Y - h, 0));
        sink.Point(new Vec3(c.X + w, c.Y + h, 0));
    }
}
