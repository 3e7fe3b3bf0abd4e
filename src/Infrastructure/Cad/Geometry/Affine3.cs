namespace CadMl.Infrastructure.Cad.Geometry;

internal readonly record struct Point3(double X, double Y, double Z)
{
    public static Point3 operator +(Point3 a, Point3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Point3 operator -(Point3 a, Point3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Point3 operator *(double s, Point3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public double Dot(Point3 other) => (X * other.X) + (Y * other.Y) + (Z * other.Z);

    public Point3 Cross(Point3 o) => new((Y * o.Z) - (Z * o.Y), (Z * o.X) - (X * o.Z), (X * o.Y) - (Y * o.X));

    public double Length => Math.Sqrt(Dot(this));

    public bool IsFinite => double.IsFinite(X) && double.IsFinite(Y) && double.IsFinite(Z);

    public double this[int axis] => axis switch
    {
        0 => X,
        1 => Y,
        _ => Z,
    };

    public Point3 Normalized()
    {
        var length = Length;
        return length > 0 && double.IsFinite(length) ? (1 / length) * this : default;
    }
}

/// <summary>
/// x ↦ M·x + T. Used for placements, assembly transforms and unit scaling; composition order
/// follows function composition: <c>a.Then(b)</c> applies <c>a</c> first.
/// </summary>
internal readonly record struct Affine3(Point3 Column0, Point3 Column1, Point3 Column2, Point3 Translation)
{
    public static Affine3 Identity { get; } = new(new(1, 0, 0), new(0, 1, 0), new(0, 0, 1), default);

    public bool IsIdentity => this == Identity;

    public static Affine3 Scale(double s) => new(new(s, 0, 0), new(0, s, 0), new(0, 0, s), default);

    public static Affine3 FromRows(double m11, double m12, double m13, double t1, double m21, double m22, double m23, double t2, double m31, double m32, double m33, double t3) =>
        new(new(m11, m21, m31), new(m12, m22, m32), new(m13, m23, m33), new(t1, t2, t3));

    public Point3 Apply(Point3 p) => Linear(p) + Translation;

    public Point3 Linear(Point3 v) => (v.X * Column0) + (v.Y * Column1) + (v.Z * Column2);

    /// <summary>The transform that applies this one first and then <paramref name="next"/>.</summary>
    public Affine3 Then(Affine3 next) => new(
        next.Linear(Column0),
        next.Linear(Column1),
        next.Linear(Column2),
        next.Apply(Translation));

    /// <summary>The inverse, or null when the linear part is singular.</summary>
    public Affine3? Inverse()
    {
        // Rows of the inverse are the cross products of the columns divided by the determinant.
        var r0 = Column1.Cross(Column2);
        var r1 = Column2.Cross(Column0);
        var r2 = Column0.Cross(Column1);
        var det = Column0.Dot(r0);
        if (det == 0 || !double.IsFinite(det))
        {
            return null;
        }

        var inv = 1 / det;
        var rows = (A: inv * r0, B: inv * r1, C: inv * r2);
        var linear = new Affine3(new(rows.A.X, rows.B.X, rows.C.X), new(rows.A.Y, rows.B.Y, rows.C.Y), new(rows.A.Z, rows.B.Z, rows.C.Z), default);
        var t = linear.Linear(Translation);
        return linear with { Translation = new(-t.X, -t.Y, -t.Z) };
    }
}
