using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>
/// The v5 shape digest of an IGES model: the model-space points the bounds walk visits (points,
/// line ends, spline and copious-data points), in file units. Points walked inside a subfigure
/// definition are in the definition's own frame, not the model's, so they are left out.
/// </summary>
internal sealed partial class IgesBounds
{
    private readonly ShapeSampler _shape = new();
    private int _definitionWalks;

    public ShapeSummary? Shape() => _shape.Summarise();

    private void AddToShape(Point3 point)
    {
        if (_definitionWalks == 0)
        {
            _shape.Add(point.X, point.Y, point.Z);
        }
    }
}
