namespace CadMl.Infrastructure.Cad.Geometry;

/// <summary>
/// Angle arithmetic shared by every reader's arcs (DXF arcs and bulges, STEP and IGES circles and
/// ellipses): one definition of a turn, of the counter-clockwise sweep between two angles and of
/// whether a parameter lies on an arc, so the readers cannot disagree at the seams.
/// </summary>
internal static class Angles
{
    public const double FullTurn = 2 * Math.PI;

    /// <summary>The same direction in [0, 2π).</summary>
    public static double Normalize(double angle)
    {
        var r = angle % FullTurn;
        return r < 0 ? r + FullTurn : r;
    }

    /// <summary>True when parameter <paramref name="angle"/> lies on the arc from <paramref name="start"/> through <paramref name="sweep"/> (counter-clockwise).</summary>
    public static bool IsWithin(double angle, double start, double sweep) =>
        sweep >= FullTurn || Normalize(angle - start) <= sweep;

    /// <summary>
    /// Along one axis an arc c + u·cos t + v·sin t is c + R·cos(t − φ) with R = |(u, v)| and
    /// φ = atan2(v, u): the coordinate is largest at t = φ and smallest at t = φ + π.
    /// </summary>
    public static (double Radius, double Phase) AxisAmplitude(double u, double v) => (Math.Sqrt((u * u) + (v * v)), Math.Atan2(v, u));
}
