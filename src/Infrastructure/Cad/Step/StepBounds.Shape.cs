using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// The v5 shape digest of a STEP model: every placed body's boundary points (vertices, curve
/// control points) and points spread evenly along its conic arcs, in millimetres. Bodies placed
/// so often that their bounds are approximated by boxes add no points: box corners are not
/// rotation invariant.
/// </summary>
internal sealed partial class StepBounds
{
    /// <summary>Interior samples per conic arc; the arc's end points are vertices and are already in.</summary>
    private const int ArcSamples = 8;

    /// <summary>Chords per arc when measuring its length: within 0.2 % of a full circle's length.</summary>
    private const int ArcLengthSegments = 32;

    private readonly ShapeSampler _shape = new();
    private readonly List<LocalEdge> _edges = [];

    public ShapeSummary? Shape() => _shape.Summarise();

    private void AddToShape(Affine3 transform)
    {
        foreach (var point in _points)
        {
            var p = transform.Apply(point);
            _shape.Add(p.X, p.Y, p.Z);
        }

        foreach (var arc in _arcs)
        {
            var placed = arc.Transform(transform);
            for (var i = 0; i < ArcSamples; i++)
            {
                var p = placed.At(placed.Start + (placed.Sweep * (i + 0.5) / ArcSamples));
                _shape.Add(p.X, p.Y, p.Z);
            }
        }

        foreach (var edge in _edges)
        {
            AddEdgeLength(edge, transform);
        }
    }

    /// <summary>
    /// An edge's placed length: its conic arcs when it has any, else the polygon of its curve's
    /// points (B-spline control points, polyline points), else the chord between its vertices
    /// (a LINE, or a curve type the bounds do not follow).
    /// </summary>
    private void AddEdgeLength(LocalEdge edge, Affine3 transform)
    {
        if (edge.ArcTo > edge.ArcFrom)
        {
            double length = 0;
            var radius = 0.0;
            for (var a = edge.ArcFrom; a < edge.ArcTo; a++)
            {
                var arc = _arcs[a].Transform(transform);
                radius = Math.Sqrt(arc.U.Length * arc.V.Length);
                var previous = arc.At(arc.Start);
                for (var i = 1; i <= ArcLengthSegments; i++)
                {
                    var next = arc.At(arc.Start + (arc.Sweep * i / ArcLengthSegments));
                    length += (next - previous).Length;
                    previous = next;
                }
            }

            _shape.AddEdge(length, EdgeKind.Circular, radius);
        }
        else if (edge.CurveTo - edge.CurveFrom >= 2)
        {
            double length = 0;
            for (var i = edge.CurveFrom + 1; i < edge.CurveTo; i++)
            {
                length += transform.Linear(_points[i] - _points[i - 1]).Length;
            }

            _shape.AddEdge(length, EdgeKind.Other);
        }
        else if (edge.VertexFrom >= 0)
        {
            _shape.AddEdge(transform.Linear(_points[edge.VertexFrom + 1] - _points[edge.VertexFrom]).Length, EdgeKind.Straight);
        }
    }

    /// <summary>
    /// Where an edge's geometry sits in the body's point and arc lists: its two vertices at
    /// VertexFrom (−1 when either is missing), its curve's own points in [CurveFrom, CurveTo), its
    /// arcs in [ArcFrom, ArcTo).
    /// </summary>
    private readonly record struct LocalEdge(int VertexFrom, int CurveFrom, int CurveTo, int ArcFrom, int ArcTo);
}
