using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// Where parsed geometry goes: straight into the model-space extents, or into a block definition
/// that block references transform later.
/// </summary>
internal abstract class GeometrySink
{
    public abstract void Point(Vec3 p);

    public abstract void Arc(in EllipticArc arc);

    public abstract void Reference(in BlockReference reference);

    /// <summary>
    /// A straight edge whose end points were also given to <see cref="Point"/>: only the v5 shape
    /// digest measures it (edge lengths), so sinks that do not build one ignore it.
    /// </summary>
    public virtual void Segment(Vec3 a, Vec3 b)
    {
    }
}

/// <summary>
/// One placement of a block: INSERT (with its MINSERT grid) or the geometry block of a DIMENSION.
/// The grid copies are offset by i·<see cref="GridColumns"/>/(n−1) + j·<see cref="GridRows"/>/(m−1)
/// in the parent's coordinates: a parallelogram spanned by the two vectors. The union of the
/// copies has exactly the extents of one copy widened by the parallelogram's extents, so a
/// 1000×1000 MINSERT costs as much as one INSERT.
/// </summary>
internal readonly record struct BlockReference(DxfBlock Block, Affine Transform, Vec3 GridColumns, Vec3 GridRows, bool ShiftsBasePoint)
{
    /// <summary>
    /// INSERT places the block's base point at the insertion point; a DIMENSION copies its block
    /// as it is (ezdxf and AutoCAD agree). The base point is applied here, at expansion, because
    /// a reference may be read before the block it names.
    /// </summary>
    public Affine Effective()
    {
        if (!ShiftsBasePoint || Block.BasePoint == default)
        {
            return Transform;
        }

        return Transform with { T = Transform.T - Transform.ApplyLinear(Block.BasePoint) };
    }

    public bool HasGrid => GridColumns != default || GridRows != default;

    /// <summary>Widens one copy's extents (already mapped by <paramref name="parent"/>) to all grid copies.</summary>
    public void WidenByGrid(in Affine parent, Extents box)
    {
        if (!HasGrid || box.IsEmpty)
        {
            return;
        }

        var a = parent.ApplyLinear(GridColumns);
        var b = parent.ApplyLinear(GridRows);
        var c = a + b;
        box.Widen(
            new Vec3(Min4(a.X, b.X, c.X), Min4(a.Y, b.Y, c.Y), Min4(a.Z, b.Z, c.Z)),
            new Vec3(Max4(a.X, b.X, c.X), Max4(a.Y, b.Y, c.Y), Max4(a.Z, b.Z, c.Z)));

        static double Min4(double p, double q, double r) => Math.Min(0, Math.Min(p, Math.Min(q, r)));

        static double Max4(double p, double q, double r) => Math.Max(0, Math.Max(p, Math.Max(q, r)));
    }
}

internal sealed class DxfBlock(string name) : GeometrySink
{
    private double[] _points = [];
    private int _pointCount;
    private EllipticArc[] _arcs = [];
    private int _arcCount;
    private BlockReference[] _references = [];
    private int _referenceCount;
    private double[] _segments = [];
    private int _segmentCount;

    public string Name { get; } = name;

    /// <summary>False until a BLOCK record with this name is read: references may come first.</summary>
    public bool IsDefined { get; set; }

    public Vec3 BasePoint { get; set; }

    public ExtentsState State { get; set; }

    /// <summary>Extents in block coordinates (before the base point shift), once <see cref="State"/> is Done.</summary>
    public Extents? Local { get; set; }

    /// <summary>Extents of the block under rotated/sheared linear maps already walked, without translation.</summary>
    public Dictionary<LinearPart, Extents>? TransformedExtents { get; set; }

    public int PointCount => _pointCount;

    public int ArcCount => _arcCount;

    public int ReferenceCount => _referenceCount;

    public ReadOnlySpan<double> Points => _points.AsSpan(0, _pointCount * 3);

    public ReadOnlySpan<EllipticArc> Arcs => _arcs.AsSpan(0, _arcCount);

    public ReadOnlySpan<BlockReference> References => _references.AsSpan(0, _referenceCount);

    public int SegmentCount => _segmentCount;

    /// <summary>Straight edges as (x1, y1, z1, x2, y2, z2), in block coordinates.</summary>
    public ReadOnlySpan<double> Segments => _segments.AsSpan(0, _segmentCount * 6);

    public override void Segment(Vec3 a, Vec3 b)
    {
        if ((_segmentCount + 1) * 6 > _segments.Length)
        {
            Array.Resize(ref _segments, Math.Max(48, _segments.Length * 2));
        }

        var i = _segmentCount++ * 6;
        (_segments[i], _segments[i + 1], _segments[i + 2]) = (a.X, a.Y, a.Z);
        (_segments[i + 3], _segments[i + 4], _segments[i + 5]) = (b.X, b.Y, b.Z);
    }

    public override void Point(Vec3 p)
    {
        if ((_pointCount + 1) * 3 > _points.Length)
        {
            Array.Resize(ref _points, Math.Max(48, _points.Length * 2));
        }

        var i = _pointCount * 3;
        _points[i] = p.X;
        _points[i + 1] = p.Y;
        _points[i + 2] = p.Z;
        _pointCount++;
    }

    public override void Arc(in EllipticArc arc)
    {
        if (_arcCount == _arcs.Length)
        {
            Array.Resize(ref _arcs, Math.Max(8, _arcs.Length * 2));
        }

        _arcs[_arcCount++] = arc;
    }

    public override void Reference(in BlockReference reference)
    {
        if (_referenceCount == _references.Length)
        {
            Array.Resize(ref _references, Math.Max(4, _references.Length * 2));
        }

        _references[_referenceCount++] = reference;
    }
}

internal enum ExtentsState
{
    NotComputed,
    InProgress,
    Done,
}

/// <summary>Model space: geometry is measured as it is read; only block references wait for the end.</summary>
internal sealed class ModelSpaceSink(Extents extents) : GeometrySink
{
    private readonly List<BlockReference> _references = [];

    public IReadOnlyList<BlockReference> References => _references;

    /// <summary>The v5 shape digest's points, fed alongside the extents (block references are added after parsing).</summary>
    public DxfShape Shape { get; } = new();

    public override void Point(Vec3 p)
    {
        extents.Include(p.X, p.Y, p.Z);
        Shape.Point(p);
    }

    public override void Arc(in EllipticArc arc)
    {
        arc.IncludeIn(extents);
        Shape.Arc(arc);
    }

    public override void Reference(in BlockReference reference) => _references.Add(reference);

    public override void Segment(Vec3 a, Vec3 b) => Shape.Segment(a, b);
}

/// <summary>Geometry of paper-space entities and of blocks nobody can reference is not needed.</summary>
internal sealed class DiscardingSink : GeometrySink
{
    public static readonly DiscardingSink Instance = new();

    public override void Point(Vec3 p)
    {
    }

    public override void Arc(in EllipticArc arc)
    {
    }

    public override void Reference(in BlockReference reference)
    {
    }
}

/// <summary>
/// Expands block references into extents. Hostile files can nest references to any depth, refer
/// to themselves, or fan out so that full expansion is exponential (ten references per level, ten
/// levels deep is 10¹⁰ copies). These bounds keep the work near linear in the file size:
/// <list type="bullet">
/// <item>each block's own extents are computed once; a reference whose transform keeps axes
/// apart (translation, scale, mirror, quarter turns: nearly every real reference) reuses them
/// exactly;</item>
/// <item>a rotated reference is walked primitive by primitive, which is exact, and the result is
/// kept per block and rotation/scale, so a hundred bolts at 45° cost one walk;</item>
/// <item>walking spends a work budget (primitives and references visited); once it is spent,
/// rotated references also reuse the cached box, which can only make the extents larger, never
/// smaller, and the document says so in its facts;</item>
/// <item>a model-space reference into a block that (indirectly) references itself, or nesting deeper
/// than <see cref="MaxDepth"/>, makes the drawing invalid: such a block has no finite meaning, and
/// CAD tools refuse it too. Cycles among blocks nobody references are never visited.</item>
/// </list>
/// </summary>
internal sealed class BlockExpander(CancellationToken cancellationToken)
{
    public const int MaxDepth = 16;

    /// <summary>Primitives and references walked in rotated references: about a tenth of a second on one core.</summary>
    public const long WorkBudget = 2_000_000;

    private const int MaxCachedTransformsPerBlock = 256;
    private const int ReferenceCost = 16;

    private readonly Extents[] _scratch = new Extents[MaxDepth + 1];
    private long _budget = WorkBudget;
    private int _depth;

    public bool BudgetExhausted => _budget <= 0;

    public void Include(in BlockReference reference, Extents target)
    {
        var box = new Extents();
        IncludeTransformed(reference.Block, reference.Effective(), box);
        reference.WidenByGrid(Affine.Identity, box);
        target.Include(box);
    }

    private void IncludeTransformed(DxfBlock block, in Affine m, Extents target)
    {
        if (!block.IsDefined)
        {
            return;
        }

        if (m.IsAxisAligned || _budget <= 0)
        {
            var local = LocalExtents(block);
            if (local is not null)
            {
                m.IncludeBox(local, target);
            }

            return;
        }

        var key = new LinearPart(m.Ux, m.Uy, m.Uz);
        if (block.TransformedExtents is { } cache && cache.TryGetValue(key, out var known))
        {
            target.IncludeShifted(known, m.T);
            return;
        }

        Enter(block);

        var walked = new Extents();
        try
        {
            Walk(block, m with { T = default }, walked);
        }
        finally
        {
            Leave(block);
        }

        cache = block.TransformedExtents ??= [];
        if (cache.Count < MaxCachedTransformsPerBlock)
        {
            cache[key] = walked;
        }

        target.IncludeShifted(walked, m.T);
    }

    private void Walk(DxfBlock block, in Affine m, Extents target)
    {
        var points = block.Points;
        for (var i = 0; i < points.Length; i += 3)
        {
            target.Include(m.Apply(points[i], points[i + 1], points[i + 2]));
        }

        foreach (ref readonly var arc in block.Arcs)
        {
            arc.Transform(m).IncludeIn(target);
        }

        // A reference costs a matrix product, a cache lookup and a frame: weigh it like several primitives.
        _budget -= block.PointCount + block.ArcCount + (ReferenceCost * (long)block.ReferenceCount) + 1;
        var box = Scratch();
        foreach (ref readonly var child in block.References)
        {
            box.Clear();
            IncludeTransformed(child.Block, m.Compose(child.Effective()), box);
            child.WidenByGrid(m, box);
            target.Include(box);
        }
    }

    /// <summary>The block's extents in its own coordinates, computed once; null for a cycle or too deep a nesting.</summary>
    private Extents? LocalExtents(DxfBlock block)
    {
        if (block.State == ExtentsState.Done)
        {
            return block.Local;
        }

        Enter(block);

        try
        {
            var local = new Extents();
            Walk(block, Affine.Identity, local);
            block.Local = local;
            return local;
        }
        finally
        {
            Leave(block);
            block.State = ExtentsState.Done;
        }
    }

    private Extents Scratch() => _scratch[_depth] ??= new Extents();

    private void Enter(DxfBlock block)
    {
        if (block.State == ExtentsState.InProgress)
        {
            throw new CadReadException("A block references itself, directly or through other blocks.",
                new Dictionary<string, object?> { ["block"] = block.Name }, ErrorCodes.InvalidBlockReference);
        }

        if (_depth >= MaxDepth)
        {
            throw new CadReadException($"Blocks are nested more than {MaxDepth} levels deep.",
                new Dictionary<string, object?> { ["max_depth"] = MaxDepth, ["block"] = block.Name }, ErrorCodes.BlockNestingTooDeep);
        }

        if (block.State == ExtentsState.NotComputed)
        {
            block.State = ExtentsState.InProgress;
        }

        _depth++;
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void Leave(DxfBlock block)
    {
        _depth--;
        if (block.State == ExtentsState.InProgress)
        {
            block.State = ExtentsState.NotComputed;
        }
    }
}

/// <summary>The linear part of a block transform: the key under which a rotated block's extents are kept.</summary>
internal readonly record struct LinearPart(Vec3 Ux, Vec3 Uy, Vec3 Uz);
