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

    private readonly ShapeSampler _shape = new();

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
    }
}
