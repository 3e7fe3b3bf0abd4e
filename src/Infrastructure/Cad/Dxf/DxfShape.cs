using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// The v5 shape digest of a drawing: model-space vertices and points spread evenly along arcs,
/// circles and ellipses, then the same for the geometry of block references, expanded through
/// nested blocks. Expansion spends a budget (like the extents' expander) so a hostile fan-out of
/// references costs bounded work; a MINSERT grid contributes its first copy, which is enough for
/// the digest's histograms.
/// </summary>
internal sealed class DxfShape
{
    /// <summary>Interior samples per arc; open arcs' end points are also vertices of the drawing.</summary>
    private const int ArcSamples = 8;

    private const long ReferenceBudget = 1_000_000;

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
        _budget -= block.PointCount + block.ArcCount + block.ReferenceCount + 1;
        var points = block.Points;
        for (var i = 0; i < points.Length; i += 3)
        {
            Point(m.Apply(points[i], points[i + 1], points[i + 2]));
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
