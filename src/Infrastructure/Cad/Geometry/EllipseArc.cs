using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Geometry;

/// <summary>
/// The arc P(t) = C + U·cos t + V·sin t for t from <see cref="Start"/> through <see cref="Sweep"/>
/// radians (a full ellipse when the sweep is 2π). U and V carry the semi-axes, so any affine map
/// applied to C, U and V maps the arc exactly; extents are therefore computed after placement, in
/// the final axes, and are exact rather than a box around a box.
/// </summary>
internal readonly record struct EllipseArc(Point3 Center, Point3 U, Point3 V, double Start, double Sweep)
{
    public const double FullTurn = Angles.FullTurn;

    public bool IsFull => Sweep >= FullTurn;

    public EllipseArc Transform(in Affine3 transform) =>
        this with { Center = transform.Apply(Center), U = transform.Linear(U), V = transform.Linear(V) };

    public Point3 At(double t) => Center + (Math.Cos(t) * U) + (Math.Sin(t) * V);

    /// <summary>
    /// Adds the interior axis extremes of the arc. End points are not added: callers add the exact
    /// end points they have (vertices), so rounding in cos/sin never moves a bound.
    /// </summary>
    public void IncludeExtremes(BoundsAccumulator bounds)
    {
        for (var axis = 0; axis < 3; axis++)
        {
            // P_k(t) = C_k + R_k·cos(t − φ_k): largest at t = φ_k, smallest at φ_k + π. The point
            // at that parameter is on the arc; only its extreme coordinate is replaced by the
            // exact C_k ± R_k.
            var (r, phi) = Angles.AxisAmplitude(U[axis], V[axis]);
            if (r == 0)
            {
                continue;
            }

            if (Contains(phi))
            {
                bounds.Include(At(phi), axis, Center[axis] + r);
            }

            if (Contains(phi + Math.PI))
            {
                bounds.Include(At(phi + Math.PI), axis, Center[axis] - r);
            }
        }
    }

    private bool Contains(double angle) => Angles.IsWithin(angle, Start, Sweep);
}

internal static class BoundsAccumulatorExtensions
{
    /// <summary>Includes an arc point whose coordinate on <paramref name="axis"/> is the exact extreme.</summary>
    public static void Include(this BoundsAccumulator bounds, Point3 point, int axis, double extreme) => bounds.Include(
        axis == 0 ? extreme : point.X,
        axis == 1 ? extreme : point.Y,
        axis == 2 ? extreme : point.Z);

    public static void Include(this BoundsAccumulator bounds, Point3 point) => bounds.Include(point.X, point.Y, point.Z);
}
