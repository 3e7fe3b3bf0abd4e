using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// The v5 shape digest of a drawing: model-space vertices and points spread evenly along arcs,
/// circles and ellipses, the lengths of straight edges (lines, polyline segments, SOLID/TRACE/3DFACE
/// outlines) and of arcs, circles and ellipses, then the same for the geometry of block references, expanded through
/// nested blocks. Expansion spends a budget (like the extents' expander) so a hostile fan-out of
/// references costs bounded work; a MINSERT grid contributes its first copy, which is enough for
/// the digest's histograms.
/// </summary>
internal sealed class DxfShape
{
    /// <summary>Interior samples per arc; open arcs' end points are also vertices of the drawing.</summary>
    private const int ArcSamples = 8;

    /// <summary>Chords per arc when measuring its length: within 0.2 % of a full circle's length.</summary>
    private const int ArcLengthSegments = 32;

    /// <summary>Primitives walked through block references; a reference is charged like 16 primitives, as in the extents' expander.</summary>
    private const long ReferenceBudget = 200_000;

    private const int ReferenceCost = 16;

    private readonly ShapeSampler _sampler = new();
    private long _budget = ReferenceBudget;

    public void Point(Vec3 p) => _sampler.Add(p.X, p.Y, p.Z);

    public void Arc(in EllipticArc arc)
    {
        if (!(arc.Span > 0))
        {
            return;
        }

        for (var i = 0; i < ArcSamples; i++)
        {
            var (sin, cos) = Math.SinCos(arc.Start + (arc.Span * (i + 0.5) / ArcSamples));
            var p = arc.Center + (arc.U * cos) + (arc.V * sin);
            _sampler.Add(p.X, p.Y, p.Z);
        }

        // Curved edges are measured by their 32-chord length; straight ones arrive through Segment.
        var ru = arc.U.Length;
        var rv = arc.V.Length;
        double length;
        if (Math.Abs(ru - rv) <= 1e-12 * ru && Math.Abs(Dot(arc.U, arc.V)) <= 1e-12 * ru * rv)
        {
            // A circular arc (nearly every one): the same 32-chord polygon in closed form, so a
            // fan-out of references to circles costs no more than one to points.
            length = ArcLengthSegments * 2 * ru * Math.Sin(arc.Span / (2 * ArcLengthSegments));
        }
        else
        {
            length = 0;
            var previous = arc.Center + arc.U;
            for (var i = 0; i <= ArcLengthSegments; i++)
            {
                var (sin, cos) = Math.SinCos(arc.Start + (arc.Span * i / ArcLengthSegments));
                var p = arc.Center + (arc.U * cos) + (arc.V * sin);
                length += i == 0 ? 0 : (p - previous).Length;
                previous = p;
            }
        }

        _sampler.AddEdge(length, EdgeKind.Circular, Math.Sqrt(arc.U.Length * arc.V.Length));
        _sampler.AddArc(arc.Span);
    }

    private static double Dot(Vec3 a, Vec3 b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z);

    public void Segment(Vec3 a, Vec3 b)
    {
        _sampler.AddEdge((b - a).Length, EdgeKind.Straight);
        _sampler.AddStroke(a.X, a.Y, a.Z, b.X, b.Y, b.Z);
    }

    public void Reference(in BlockReference reference, CancellationToken cancellationToken) =>
        Walk(reference.Block, reference.Effective(), 0, cancellationToken);

    public ShapeSummary? Summarise() => _sampler.Summarise();

    private void Walk(DxfBlock block, in Affine m, int depth, CancellationToken cancellationToken)
    {
        if (!block.IsDefined || depth > BlockExpander.MaxDepth || _budget <= 0)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        _budget -= block.PointCount + block.ArcCount + block.SegmentCount + (ReferenceCost * (long)block.ReferenceCount) + 1;
        var points = block.Points;
        for (var i = 0; i < points.Length; i += 3)
        {
            Point(m.Apply(points[i], points[i + 1], points[i + 2]));
        }

        var segments = block.Segments;
        for (var i = 0; i < segments.Length; i += 6)
        {
            Segment(m.Apply(segments[i], segments[i + 1], segments[i + 2]), m.Apply(segments[i + 3], segments[i + 4], segments[i + 5]));
        }

        foreach (ref readonly var arc in block.Arcs)
        {
            Arc(arc.Transform(m));
        }

        foreach (ref readonly var child in block.References)
        {
            Walk(child.Block, m.Compose(child.Effective()), depth + 1, cancellationToken);
        }
    }
}
