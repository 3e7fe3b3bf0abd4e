using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// LEADER and MULTILEADER graphics: leader lines, arrowheads sized by the dimension or multileader
/// style, landings (doglegs) and block content. They are read with the entity but drawn once the
/// whole file is known, because what they draw depends on tables and objects (DIMSTYLE,
/// BLOCK_RECORD, MLEADERSTYLE) and on blocks that may be defined after the entity. The drawing
/// follows ezdxf's rendering (render/leader.py, render/mleader.py), the independent implementation
/// the tests compare with; what it cannot draw exactly is reported as an approximation reason.
/// </summary>
internal sealed class DxfLeaders
{
    private readonly List<DxfLeader> _leaders = [];
    private readonly List<DxfMultileader> _multileaders = [];
    private readonly List<string> _approximations = [];
    private DxfLeader? _leader;
    private DxfMultileader? _multileader;

    /// <summary>Reasons (<see cref="BoundsAccuracy"/>) why some leader graphics are not exactly bounded.</summary>
    public IReadOnlyList<string> Approximations => _approximations;

    public void StartLeader() => _leader = new DxfLeader();

    public void StartMultileader() => _multileader = new DxfMultileader();

    public void LeaderTag(ref DxfTagReader tags) => _leader?.Tag(ref tags);

    public void MultileaderTag(ref DxfTagReader tags) => _multileader?.Tag(ref tags);

    /// <summary>Keeps the entity just read, to be drawn into <paramref name="sink"/> at the end of the file.</summary>
    public void FinishLeader(GeometrySink sink)
    {
        if (_leader is not null)
        {
            _leader.Sink = sink;
            _leaders.Add(_leader);
            _leader = null;
        }
    }

    public void FinishMultileader(GeometrySink sink)
    {
        if (_multileader is not null)
        {
            _multileader.Sink = sink;
            _multileaders.Add(_multileader);
            _multileader = null;
        }
    }

    public void Draw(DxfDrawingContext drawing)
    {
        foreach (var leader in _leaders)
        {
            leader.Draw(drawing, _approximations);
        }

        foreach (var multileader in _multileaders)
        {
            multileader.Draw(drawing, _approximations);
        }

        _leaders.Clear();
        _multileaders.Clear();
    }

    /// <summary>
    /// Places an arrow: the built-in shape, or the file's block of that name. The block is taken
    /// first only where the caller says so (MULTILEADER); a LEADER draws built-in names itself even
    /// when the file also holds AutoCAD's "_Dot" block, exactly as ezdxf does, so the two agree.
    /// </summary>
    internal static void DrawArrow(DxfDrawingContext drawing, GeometrySink sink, string arrow, DxfBlock? block, Vec3 tip, double angle, double size, List<string> approximations)
    {
        if (block is not null)
        {
            var (sin, cos) = Math.SinCos(angle);
            var transform = new Affine(new Vec3(cos * size, sin * size, 0), new Vec3(-sin * size, cos * size, 0), new Vec3(0, 0, size), tip);
            sink.Reference(new BlockReference(block, transform, default, default, ShiftsBasePoint: true));
            return;
        }

        if (!DxfArrowheads.Draw(arrow, sink, tip, angle, size) && arrow.Length > 0)
        {
            approximations.Add(BoundsAccuracy.LeaderArrowheads);
        }
    }
}

/// <summary>What leader graphics need from the rest of the file: tables, objects, header defaults and defined blocks.</summary>
internal sealed record DxfDrawingContext(DxfHeader Header, DxfTables Tables, DxfObjects Objects, Func<string, DxfBlock?> DefinedBlock);

/// <summary>One LEADER: its vertices (WCS), flags, dimension style and the ACAD DSTYLE override in its XDATA.</summary>
internal sealed class DxfLeader
{
    private readonly List<Vec3> _vertices = [];
    private readonly DxfDimensionStyle _override = new();
    private string? _styleName;
    private long _hasArrowhead = 1;
    private long _pathType;
    private long _annotationType = 3;
    private long _hasHookline;

    // XDATA: 1001 ACAD, 1000 DSTYLE, 1002 {, then pairs (1070 variable code, value), 1002 }.
    private bool _inAcad;
    private int _dstyleStage;
    private long _pendingVariable = -1;

    public GeometrySink Sink { get; set; } = DiscardingSink.Instance;

    public void Tag(ref DxfTagReader tags)
    {
        switch (tags.Code)
        {
            case 3:
                _styleName = System.Text.Encoding.Latin1.GetString(tags.TrimmedValue);
                break;
            case 10:
                _vertices.Add(new Vec3(tags.GetDouble(), 0, 0));
                break;
            case 20 when _vertices.Count > 0:
                _vertices[^1] = _vertices[^1] with { Y = tags.GetDouble() };
                break;
            case 30 when _vertices.Count > 0:
                _vertices[^1] = _vertices[^1] with { Z = tags.GetDouble() };
                break;
            case 71:
                _hasArrowhead = tags.GetInteger();
                break;
            case 72:
                _pathType = tags.GetInteger();
                break;
            case 73:
                _annotationType = tags.GetInteger();
                break;
            case 75:
                _hasHookline = tags.GetInteger();
                break;
            case >= 1000:
                OverrideTag(ref tags);
                break;
        }
    }

    private void OverrideTag(ref DxfTagReader tags)
    {
        switch (tags.Code)
        {
            case 1001:
                _inAcad = tags.ValueIs("ACAD"u8);
                _dstyleStage = 0;
                return;
            case 1000 when _inAcad && _dstyleStage == 0:
                _dstyleStage = tags.ValueIs("DSTYLE"u8) ? 1 : 0;
                return;
            case 1002 when _dstyleStage > 0:
                _dstyleStage = tags.ValueIs("{"u8) ? 2 : 0;
                return;
        }

        if (_dstyleStage != 2)
        {
            return;
        }

        if (tags.Code == 1070 && _pendingVariable < 0)
        {
            _pendingVariable = tags.GetInteger();
            return;
        }

        switch (_pendingVariable)
        {
            case 40:
                _override.Scale = tags.GetDouble();
                break;
            case 41:
                _override.ArrowSize = tags.GetDouble();
                break;
            case 341 when tags.Code == 1005:
                _override.LeaderArrowBlock = tags.GetHandle();
                break;
        }

        _pendingVariable = -1;
    }

    public void Draw(DxfDrawingContext drawing, List<string> approximations)
    {
        foreach (var vertex in _vertices)
        {
            Sink.Point(vertex);
        }

        if (_pathType == 1 && _vertices.Count > 2)
        {
            // The curve is fitted through the vertices and can swing past them between two.
            approximations.Add(BoundsAccuracy.LeaderSplinePath);
        }

        if (_hasHookline != 0 && _annotationType == 0)
        {
            approximations.Add(BoundsAccuracy.LeaderHookline);
        }

        if (_hasArrowhead == 0 || _vertices.Count < 2)
        {
            return;
        }

        var style = drawing.Tables.DimensionStyle(_styleName);
        var size = _override.ArrowSize ?? style?.ArrowSize ?? (drawing.Header.IsMetric ? 2.5 : 0.1875);
        var scale = _override.Scale ?? style?.Scale ?? 1;
        if (scale == 0)
        {
            scale = 1;
        }

        var blockName = drawing.Tables.BlockRecordName(_override.LeaderArrowBlock ?? style?.LeaderArrowBlock ?? 0);
        var arrow = blockName is null ? DxfArrowheads.ClosedFilled : DxfArrowheads.ArrowName(blockName);
        var tip = _vertices[0];
        var back = tip - _vertices[1];
        var angle = Math.Atan2(back.Y, back.X);
        DxfLeaders.DrawArrow(drawing, Sink, arrow, drawing.DefinedBlock(arrow), tip, angle, size * scale, approximations);
    }
}

/// <summary>
/// One MULTILEADER: the entity's own style overrides, and its CONTEXT_DATA (content scale, arrow
/// size, block content, leaders with their lines, landing points and dogleg vectors).
/// </summary>
internal sealed class DxfMultileader
{
    private readonly List<Leader> _leaders = [];
    private readonly Dictionary<long, ulong> _arrowsByLine = [];
    private ulong _styleHandle;
    private long? _leaderType;
    private bool? _hasDogleg;
    private ulong? _arrowBlock;
    private long _pendingArrowIndex = -1;
    private long _leftAttachment = 1, _rightAttachment = 1;
    private double _scale = 1;
    private double _arrowSize = 4;
    private bool _hasText;
    private bool _hasBlock;
    private ulong _contentBlock;
    private Vec3 _contentExtrusion = Vec3.UnitZ, _contentInsert, _contentScale = new(1, 1, 1);
    private double _contentRotation;

    // 0 outside CONTEXT_DATA{, 1 inside it, 2 inside LEADER{, 3 inside LEADER_LINE{.
    private int _depth;

    public GeometrySink Sink { get; set; } = DiscardingSink.Instance;

    private sealed class Leader
    {
        public List<(long Index, List<Vec3> Vertices)> Lines { get; } = [];

        public Vec3 LandingPoint { get; set; }

        public Vec3 DoglegVector { get; set; } = Vec3.UnitX;

        public bool HasDoglegVector { get; set; }

        public double DoglegLength { get; set; } = 1;

        public long AttachmentDirection { get; set; }
    }

    public void Tag(ref DxfTagReader tags)
    {
        var code = tags.Code;
        switch (code)
        {
            case 300 when tags.ValueIs("CONTEXT_DATA{"u8):
                _depth = 1;
                return;
            case 301 when _depth == 1:
                _depth = 0;
                return;
            case 302 when _depth == 1 && tags.ValueIs("LEADER{"u8):
                _depth = 2;
                _leaders.Add(new Leader());
                return;
            case 303 when _depth == 2:
                _depth = 1;
                return;
            case 304 when _depth == 2 && tags.ValueIs("LEADER_LINE{"u8):
                _depth = 3;
                _leaders[^1].Lines.Add((0, []));
                return;
            case 305 when _depth == 3:
                _depth = 2;
                return;
        }

        switch (_depth)
        {
            case 0:
                EntityTag(ref tags);
                break;
            case 1:
                ContextTag(ref tags);
                break;
            case 2:
                LeaderTag(ref tags, _leaders[^1]);
                break;
            case 3:
                LineTag(ref tags, _leaders[^1]);
                break;
        }
    }

    private void EntityTag(ref DxfTagReader tags)
    {
        switch (tags.Code)
        {
            case 340:
                _styleHandle = tags.GetHandle();
                break;
            case 170:
                _leaderType = tags.GetInteger();
                break;
            case 291:
                _hasDogleg = tags.GetInteger() != 0;
                break;
            case 342:
                _arrowBlock = tags.GetHandle();
                break;
            case 94:
                _pendingArrowIndex = tags.GetInteger();
                break;
            case 345 when _pendingArrowIndex >= 0:
                _arrowsByLine[_pendingArrowIndex] = tags.GetHandle();
                _pendingArrowIndex = -1;
                break;
            case 173:
                _leftAttachment = tags.GetInteger();
                break;
            case 95:
                _rightAttachment = tags.GetInteger();
                break;
        }
    }

    private void ContextTag(ref DxfTagReader tags)
    {
        switch (tags.Code)
        {
            case 40:
                _scale = tags.GetDouble();
                break;
            case 140:
                _arrowSize = tags.GetDouble();
                break;
            case 290:
                _hasText = tags.GetInteger() != 0;
                break;
            case 296:
                _hasBlock = tags.GetInteger() != 0;
                break;
            case 341 when _hasBlock:
                _contentBlock = tags.GetHandle();
                break;
            case 14 or 24 or 34 when _hasBlock:
                _contentExtrusion = SetAxis(_contentExtrusion, tags.Code / 10, tags.GetDouble());
                break;
            case 15 or 25 or 35 when _hasBlock:
                _contentInsert = SetAxis(_contentInsert, tags.Code / 10, tags.GetDouble());
                break;
            case 16 or 26 or 36 when _hasBlock:
                _contentScale = SetAxis(_contentScale, tags.Code / 10, tags.GetDouble());
                break;
            case 46 when _hasBlock:
                _contentRotation = tags.GetDouble();
                break;
        }
    }

    private static void LeaderTag(ref DxfTagReader tags, Leader leader)
    {
        switch (tags.Code)
        {
            case 10 or 20 or 30:
                leader.LandingPoint = SetAxis(leader.LandingPoint, tags.Code / 10, tags.GetDouble());
                break;
            case 11 or 21 or 31:
                leader.DoglegVector = SetAxis(leader.DoglegVector, tags.Code / 10, tags.GetDouble());
                break;
            case 40:
                leader.DoglegLength = tags.GetDouble();
                break;
            case 291:
                leader.HasDoglegVector = tags.GetInteger() != 0;
                break;
            case 271:
                leader.AttachmentDirection = tags.GetInteger();
                break;
        }
    }

    private static void LineTag(ref DxfTagReader tags, Leader leader)
    {
        var line = leader.Lines[^1];
        switch (tags.Code)
        {
            case 10:
                line.Vertices.Add(new Vec3(tags.GetDouble(), 0, 0));
                break;
            case 20 when line.Vertices.Count > 0:
                line.Vertices[^1] = line.Vertices[^1] with { Y = tags.GetDouble() };
                break;
            case 30 when line.Vertices.Count > 0:
                line.Vertices[^1] = line.Vertices[^1] with { Z = tags.GetDouble() };
                break;
            case 91:
                leader.Lines[^1] = line with { Index = tags.GetInteger() };
                break;
        }
    }

    /// <summary>Code 10/20/30 style: the tens digit picks the axis (1 → x, 2 → y, 3 → z).</summary>
    private static Vec3 SetAxis(Vec3 v, int axis, double value) => (axis % 10) switch
    {
        1 => v with { X = value },
        2 => v with { Y = value },
        _ => v with { Z = value },
    };

    public void Draw(DxfDrawingContext drawing, List<string> approximations)
    {
        // A content scale of (almost) zero draws nothing at all, in AutoCAD as in ezdxf.
        if (!(Math.Abs(_scale) > 1e-9))
        {
            return;
        }

        if (!_hasText && _hasBlock && drawing.Tables.BlockRecordName(_contentBlock) is { } contentName &&
            drawing.DefinedBlock(contentName) is { } content)
        {
            var ocs = Ocs.FromExtrusion(_contentExtrusion.X, _contentExtrusion.Y, _contentExtrusion.Z);
            Sink.Reference(new BlockReference(content, DxfInsertTransform.Of(ocs, _contentScale, _contentRotation, _contentInsert), default, default, ShiftsBasePoint: true));
        }

        var style = drawing.Objects.MultileaderStyle(_styleHandle) ?? DxfMultileaderStyle.Default;
        var leaderType = _leaderType ?? style.LeaderType;
        if (leaderType == 0)
        {
            return;
        }

        // A spline leader has no dogleg; its curve is fitted through the vertices.
        var hasDogleg = leaderType != 2 && (_hasDogleg ?? style.HasDogleg);
        foreach (var leader in _leaders)
        {
            var horizontal = leader.AttachmentDirection == 0;
            foreach (var (index, lineVertices) in leader.Lines)
            {
                var vertices = new List<Vec3>(lineVertices);
                if (horizontal)
                {
                    if (hasDogleg)
                    {
                        vertices.Add(leader.LandingPoint);
                    }

                    var dogleg = (leader.HasDoglegVector ? leader.DoglegVector.NormalizedOr(Vec3.UnitX) : Vec3.UnitX) * leader.DoglegLength;
                    vertices.Add(leader.LandingPoint + dogleg);
                }
                else
                {
                    vertices.Add(leader.LandingPoint);
                }

                if (vertices.Count < 2)
                {
                    continue;
                }

                DrawLine(drawing, vertices, index, style, approximations);
                if (leaderType == 2 && vertices.Count > 2)
                {
                    approximations.Add(BoundsAccuracy.LeaderSplinePath);
                }
            }

            // Horizontal attachments 5, 6 and 8 underline the text: a line as long as the text is wide.
            if (_hasText && horizontal && (_leftAttachment is 5 or 6 or 8 || _rightAttachment is 5 or 6 or 8))
            {
                approximations.Add(BoundsAccuracy.MultileaderGraphics);
            }
        }
    }

    private void DrawLine(DxfDrawingContext drawing, List<Vec3> vertices, long index, DxfMultileaderStyle style, List<string> approximations)
    {
        var handle = _arrowsByLine.TryGetValue(index, out var own) ? own : _arrowBlock ?? style.ArrowBlock;
        var blockName = drawing.Tables.BlockRecordName(handle);
        var block = blockName is null ? null : drawing.DefinedBlock(blockName);
        var arrow = blockName is null ? DxfArrowheads.ClosedFilled : DxfArrowheads.ArrowName(blockName);
        if (block is null && !DxfArrowheads.IsBuiltIn(arrow))
        {
            // A handle to nothing, or a name that is neither a block nor a built-in arrow: AutoCAD's default.
            arrow = DxfArrowheads.ClosedFilled;
        }

        var direction = (vertices[1] - vertices[0]).NormalizedOr(Vec3.UnitX);
        var tip = vertices[0];
        DxfLeaders.DrawArrow(drawing, Sink, arrow, block, tip, Math.Atan2(direction.Y, direction.X) + Math.PI, _arrowSize, approximations);

        // The line starts where the arrow ends: one arrow length back, except for arrows centred on the vertex.
        var length = block is not null ? _arrowSize : DxfArrowheads.Length(arrow, _arrowSize);
        Sink.Point(tip + (direction * length));
        for (var i = 1; i < vertices.Count; i++)
        {
            Sink.Point(vertices[i]);
        }
    }
}

/// <summary>The map of an INSERT-like placement: OCS of the extrusion, scales, rotation (radians), insertion point in WCS.</summary>
internal static class DxfInsertTransform
{
    public static Affine Of(Ocs ocs, Vec3 scale, double rotation, Vec3 insertionWcs)
    {
        var (sin, cos) = Math.SinCos(rotation);
        var ux = ocs.DirectionToWcs(cos * scale.X, sin * scale.X, 0);
        var uy = ocs.DirectionToWcs(-sin * scale.Y, cos * scale.Y, 0);
        var uz = ocs.Az * scale.Z;
        return new Affine(ux, uy, uz, insertionWcs);
    }
}
