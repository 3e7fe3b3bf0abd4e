using System.Runtime.CompilerServices;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Dxf;

internal readonly record struct Vec3(double X, double Y, double Z)
{
    public static Vec3 UnitX => new(1, 0, 0);

    public static Vec3 UnitY => new(0, 1, 0);

    public static Vec3 UnitZ => new(0, 0, 1);

    public double Length => Math.Sqrt((X * X) + (Y * Y) + (Z * Z));

    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Vec3 operator *(Vec3 a, double s) => new(a.X * s, a.Y * s, a.Z * s);

    public static Vec3 Cross(Vec3 a, Vec3 b) =>
        new((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));

    /// <summary>Unit vector, or <paramref name="fallback"/> for a zero or non-finite vector.</summary>
    public Vec3 NormalizedOr(Vec3 fallback)
    {
        var length = Length;
        return length > 0 && double.IsFinite(length) ? new Vec3(X / length, Y / length, Z / length) : fallback;
    }
}

/// <summary>
/// An affine map p ↦ Ux·x + Uy·y + Uz·z + T. Block references compose these; curves stay exact under
/// them because every curve is kept as an elliptic arc (centre and two conjugate axis vectors).
/// </summary>
internal readonly record struct Affine(Vec3 Ux, Vec3 Uy, Vec3 Uz, Vec3 T)
{
    public static Affine Identity => new(Vec3.UnitX, Vec3.UnitY, Vec3.UnitZ, default);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vec3 Apply(double x, double y, double z) => new(
        (Ux.X * x) + (Uy.X * y) + (Uz.X * z) + T.X,
        (Ux.Y * x) + (Uy.Y * y) + (Uz.Y * z) + T.Y,
        (Ux.Z * x) + (Uy.Z * y) + (Uz.Z * z) + T.Z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vec3 Apply(Vec3 p) => Apply(p.X, p.Y, p.Z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vec3 ApplyLinear(Vec3 d) => new(
        (Ux.X * d.X) + (Uy.X * d.Y) + (Uz.X * d.Z),
        (Ux.Y * d.X) + (Uy.Y * d.Y) + (Uz.Y * d.Z),
        (Ux.Z * d.X) + (Uy.Z * d.Y) + (Uz.Z * d.Z));

    /// <summary><c>this ∘ inner</c>: applies <paramref name="inner"/> first.</summary>
    public Affine Compose(in Affine inner) =>
        new(ApplyLinear(inner.Ux), ApplyLinear(inner.Uy), ApplyLinear(inner.Uz), Apply(inner.T));

    /// <summary>
    /// True when every output coordinate depends on one input coordinate only (scales, mirrors,
    /// quarter turns). Then the image of a box is exactly the box of the transformed corners, so
    /// a block's cached extents can be reused instead of walking its geometry again. Terms below
    /// 1e-12 of the largest coefficient are the rounding of cos(90°) and count as zero: the error
    /// they allow is far below any tolerance that matters for extents.
    /// </summary>
    public bool IsAxisAligned
    {
        get
        {
            var max = Math.Max(
                Math.Max(Math.Max(Math.Abs(Ux.X), Math.Abs(Ux.Y)), Math.Max(Math.Abs(Ux.Z), Math.Abs(Uy.X))),
                Math.Max(Math.Max(Math.Abs(Uy.Y), Math.Abs(Uy.Z)), Math.Max(Math.Max(Math.Abs(Uz.X), Math.Abs(Uz.Y)), Math.Abs(Uz.Z))));
            var eps = max * 1e-12;
            return Dominant(Ux.X, Uy.X, Uz.X, eps) && Dominant(Ux.Y, Uy.Y, Uz.Y, eps) && Dominant(Ux.Z, Uy.Z, Uz.Z, eps);
        }
    }

    private static bool Dominant(double a, double b, double c, double eps) =>
        (Math.Abs(a) > eps ? 1 : 0) + (Math.Abs(b) > eps ? 1 : 0) + (Math.Abs(c) > eps ? 1 : 0) <= 1;

    /// <summary>Includes the image of an axis-aligned box: exact when <see cref="IsAxisAligned"/>, a safe superset otherwise.</summary>
    public void IncludeBox(Extents box, Extents target)
    {
        if (box.IsEmpty)
        {
            return;
        }

        // Interval arithmetic per output axis: the image of [min,max] under a linear row is the
        // sum of each term's interval; this equals transforming all eight corners.
        target.IncludeInterval(
            Row(Ux.X, Uy.X, Uz.X, box, T.X, lower: true), Row(Ux.X, Uy.X, Uz.X, box, T.X, lower: false),
            Row(Ux.Y, Uy.Y, Uz.Y, box, T.Y, lower: true), Row(Ux.Y, Uy.Y, Uz.Y, box, T.Y, lower: false),
            Row(Ux.Z, Uy.Z, Uz.Z, box, T.Z, lower: true), Row(Ux.Z, Uy.Z, Uz.Z, box, T.Z, lower: false));
    }

    private static double Row(double a, double b, double c, Extents box, double t, bool lower)
    {
        return t + Term(a, box.MinX, box.MaxX, lower) + Term(b, box.MinY, box.MaxY, lower) + Term(c, box.MinZ, box.MaxZ, lower);

        static double Term(double k, double lo, double hi, bool lower)
        {
            if (k == 0)
            {
                return 0;
            }

            var p = k * lo;
            var q = k * hi;
            return lower ? Math.Min(p, q) : Math.Max(p, q);
        }
    }
}

/// <summary>
/// The DXF object coordinate system of an extrusion direction (the "arbitrary axis algorithm" of the
/// DXF reference). Planar entities store their points in it.
/// </summary>
internal readonly record struct Ocs(Vec3 Ax, Vec3 Ay, Vec3 Az)
{
    private const double ArbitraryAxisLimit = 1.0 / 64.0;

    public static Ocs World => new(Vec3.UnitX, Vec3.UnitY, Vec3.UnitZ);

    public bool IsWorld => Az.X == 0 && Az.Y == 0 && Az.Z == 1;

    /// <summary>
    /// A zero or non-finite extrusion is no direction at all; such entities are read in the world
    /// system, which is what the (0,0,1) default of the DXF reference gives for a missing value.
    /// </summary>
    public static Ocs FromExtrusion(double x, double y, double z)
    {
        if (x == 0 && y == 0 && z == 1)
        {
            return World;
        }

        var n = new Vec3(x, y, z).NormalizedOr(Vec3.UnitZ);
        var ax = Math.Abs(n.X) < ArbitraryAxisLimit && Math.Abs(n.Y) < ArbitraryAxisLimit
            ? Vec3.Cross(Vec3.UnitY, n)
            : Vec3.Cross(Vec3.UnitZ, n);
        ax = ax.NormalizedOr(Vec3.UnitX);
        var ay = Vec3.Cross(n, ax).NormalizedOr(Vec3.UnitY);
        return new Ocs(ax, ay, n);
    }

    public Vec3 ToWcs(double x, double y, double z) =>
        IsWorld ? new Vec3(x, y, z) : (Ax * x) + (Ay * y) + (Az * z);

    /// <summary>Directions map like points: an OCS shares the world origin.</summary>
    public Vec3 DirectionToWcs(double x, double y, double z) => ToWcs(x, y, z);
}

/// <summary>
/// c + u·cos t + v·sin t for t in [Start, Start + Span]. Circles, arcs, bulge segments and ellipses
/// are all this; an affine map sends one to another of the same kind, so extents stay exact
/// through any nesting of block references.
/// </summary>
internal readonly record struct EllipticArc(Vec3 Center, Vec3 U, Vec3 V, double Start, double Span)
{
    public const double FullTurn = Angles.FullTurn;

    public EllipticArc Transform(in Affine m) => new(m.Apply(Center), m.ApplyLinear(U), m.ApplyLinear(V), Start, Span);

    /// <summary>
    /// The counter-clockwise span from start to end in radians: equal values are a single point,
    /// values equal modulo a full turn are a full turn (0→360 is a circle, 0→0 is not). This is
    /// how AutoCAD and ezdxf read arc angles.
    /// </summary>
    public static double SpanOf(double start, double end)
    {
        const double tolerance = 1e-9;
        if (Math.Abs(start - end) <= tolerance)
        {
            return 0;
        }

        var s = Normalize(start);
        var e = Normalize(end);
        if (Math.Abs(s - e) <= tolerance || Math.Abs(Math.Abs(s - e) - FullTurn) <= tolerance)
        {
            return FullTurn;
        }

        return e > s ? e - s : e - s + FullTurn;
    }

    public static double Normalize(double angle) => Angles.Normalize(angle);

    public void IncludeIn(Extents target)
    {
        if (Span >= FullTurn)
        {
            var rx = Math.Sqrt((U.X * U.X) + (V.X * V.X));
            var ry = Math.Sqrt((U.Y * U.Y) + (V.Y * V.Y));
            var rz = Math.Sqrt((U.Z * U.Z) + (V.Z * V.Z));
            target.IncludeInterval(Center.X - rx, Center.X + rx, Center.Y - ry, Center.Y + ry, Center.Z - rz, Center.Z + rz);
            return;
        }

        var (sin0, cos0) = Math.SinCos(Start);
        var (sin1, cos1) = Math.SinCos(Start + Span);
        target.Include(Center.X + (U.X * cos0) + (V.X * sin0), Center.Y + (U.Y * cos0) + (V.Y * sin0), Center.Z + (U.Z * cos0) + (V.Z * sin0));
        target.Include(Center.X + (U.X * cos1) + (V.X * sin1), Center.Y + (U.Y * cos1) + (V.Y * sin1), Center.Z + (U.Z * cos1) + (V.Z * sin1));
        if (Span <= 0)
        {
            return;
        }

        IncludeAxis(target, 0, Center.X, U.X, V.X);
        IncludeAxis(target, 1, Center.Y, U.Y, V.Y);
        IncludeAxis(target, 2, Center.Z, U.Z, V.Z);
    }

    // Along one axis the arc is c + R·cos(t − φ) with R = |(u, v)|, φ = atan2(v, u): the extremes
    // are at t = φ and t = φ + π, when those parameters lie inside the arc.
    private void IncludeAxis(Extents target, int axis, double c, double u, double v)
    {
        if (u == 0 && v == 0)
        {
            return;
        }

        var (r, phi) = Angles.AxisAmplitude(u, v);
        if (Contains(phi))
        {
            target.IncludeAxis(axis, c + r);
        }

        if (Contains(phi + Math.PI))
        {
            target.IncludeAxis(axis, c - r);
        }
    }

    private bool Contains(double t) => Angles.IsWithin(t, Start, Span);
}

/// <summary>
/// Extents in progress. Unlike the domain's accumulator it notices non-finite input instead of
/// silently dropping it (NaN fails every comparison), because a NaN coordinate means the file's
/// geometry is broken and the caller reports that rather than a box that looks plausible.
/// </summary>
internal sealed class Extents
{
    public double MinX = double.PositiveInfinity, MinY = double.PositiveInfinity, MinZ = double.PositiveInfinity;
    public double MaxX = double.NegativeInfinity, MaxY = double.NegativeInfinity, MaxZ = double.NegativeInfinity;

    public bool IsEmpty => !(MinX <= MaxX);

    public bool SawNonFinite { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Include(double x, double y, double z)
    {
        // NaN or ±∞ times zero is NaN; every finite value gives 0.
        if ((x * 0) + (y * 0) + (z * 0) != 0)
        {
            SawNonFinite = true;
            return;
        }

        if (x < MinX) MinX = x;
        if (x > MaxX) MaxX = x;
        if (y < MinY) MinY = y;
        if (y > MaxY) MaxY = y;
        if (z < MinZ) MinZ = z;
        if (z > MaxZ) MaxZ = z;
    }

    public void Include(Vec3 p) => Include(p.X, p.Y, p.Z);

    public void IncludeInterval(double x0, double x1, double y0, double y1, double z0, double z1)
    {
        Include(x0, y0, z0);
        Include(x1, y1, z1);
    }

    public void IncludeAxis(int axis, double value)
    {
        if (!double.IsFinite(value))
        {
            SawNonFinite = true;
            return;
        }

        switch (axis)
        {
            case 0:
                if (value < MinX) MinX = value;
                if (value > MaxX) MaxX = value;
                break;
            case 1:
                if (value < MinY) MinY = value;
                if (value > MaxY) MaxY = value;
                break;
            default:
                if (value < MinZ) MinZ = value;
                if (value > MaxZ) MaxZ = value;
                break;
        }
    }

    public void Include(Extents other)
    {
        if (other.SawNonFinite)
        {
            SawNonFinite = true;
        }

        if (!other.IsEmpty)
        {
            IncludeInterval(other.MinX, other.MaxX, other.MinY, other.MaxY, other.MinZ, other.MaxZ);
        }
    }

    public void IncludeShifted(Extents other, Vec3 shift)
    {
        if (other.SawNonFinite)
        {
            SawNonFinite = true;
        }

        if (!other.IsEmpty)
        {
            IncludeInterval(other.MinX + shift.X, other.MaxX + shift.X, other.MinY + shift.Y, other.MaxY + shift.Y, other.MinZ + shift.Z, other.MaxZ + shift.Z);
        }
    }

    public void Clear()
    {
        MinX = MinY = MinZ = double.PositiveInfinity;
        MaxX = MaxY = MaxZ = double.NegativeInfinity;
        SawNonFinite = false;
    }

    /// <summary>Minkowski sum with [lo, hi]: the extents of copies of this geometry shifted by every offset in the box.</summary>
    public void Widen(Vec3 lo, Vec3 hi)
    {
        if (IsEmpty)
        {
            return;
        }

        MinX += lo.X;
        MinY += lo.Y;
        MinZ += lo.Z;
        MaxX += hi.X;
        MaxY += hi.Y;
        MaxZ += hi.Z;
    }
}
