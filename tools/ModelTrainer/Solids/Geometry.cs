namespace CadMl.ModelTrainer.Solids;

/// <summary>A point or direction in model space, in millimetres.</summary>
internal readonly record struct Vec3(double X, double Y, double Z)
{
    public static readonly Vec3 UnitX = new(1, 0, 0);
    public static readonly Vec3 UnitY = new(0, 1, 0);
    public static readonly Vec3 UnitZ = new(0, 0, 1);

    public double Length => Math.Sqrt(Dot(this));

    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vec3 operator -(Vec3 a, Vec3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static Vec3 operator -(Vec3 a) => new(-a.X, -a.Y, -a.Z);

    public static Vec3 operator *(double s, Vec3 a) => new(s * a.X, s * a.Y, s * a.Z);

    public double Dot(Vec3 b) => (X * b.X) + (Y * b.Y) + (Z * b.Z);

    public Vec3 Cross(Vec3 b) => new((Y * b.Z) - (Z * b.Y), (Z * b.X) - (X * b.Z), (X * b.Y) - (Y * b.X));

    public Vec3 Unit() => (1 / Length) * this;
}

/// <summary>A right-handed orthonormal frame: local (u, v, w) → origin + u·X + v·Y + w·Z.</summary>
internal readonly record struct Frame(Vec3 Origin, Vec3 X, Vec3 Y, Vec3 Z)
{
    public static readonly Frame World = new(default, Vec3.UnitX, Vec3.UnitY, Vec3.UnitZ);

    public Vec3 At(double u, double v, double w = 0) => Origin + (u * X) + (v * Y) + (w * Z);

    public Vec3 Direction(double u, double v, double w = 0) => (u * X) + (v * Y) + (w * Z);

    /// <summary>The frame moved along its own axes.</summary>
    public Frame Offset(double u, double v, double w) => this with { Origin = At(u, v, w) };

    /// <summary>The frame whose Z is this frame's <paramref name="z"/> and whose X is <paramref name="x"/>.</summary>
    public static Frame Of(Vec3 origin, Vec3 z, Vec3 x)
    {
        var w = z.Unit();
        var u = x.Unit();
        return new Frame(origin, u, w.Cross(u), w);
    }
}

/// <summary>
/// The placement of a whole part in its file: a rotation (orthonormal rows) and an offset. Parts
/// are modelled in their own frame and placed by this, the way a CAD model sits in its assembly.
/// </summary>
internal sealed class Placement(Vec3 row0, Vec3 row1, Vec3 row2, Vec3 offset)
{
    public Vec3 Point(Vec3 p) => Direction(p) + offset;

    public Vec3 Direction(Vec3 d) => new(row0.Dot(d), row1.Dot(d), row2.Dot(d));

    /// <summary>
    /// A random rotation about the part's own Z (like a drawing rotated on the sheet: a multiple of
    /// 90° half of the time, any angle otherwise), then one of the 24 axis-aligned orientations
    /// (a shaft may lie along X, Y or Z, a plate on any side), then an offset.
    /// </summary>
    public static Placement Random(Random random)
    {
        var angle = random.Next(2) == 0 ? random.Next(4) * Math.PI / 2 : random.NextDouble() * 2 * Math.PI;
        var (c, s) = (Math.Cos(angle), Math.Sin(angle));
        Vec3[] spin = [new(c, -s, 0), new(s, c, 0), new(0, 0, 1)];

        // A signed permutation matrix with determinant +1 keeps the solid right-handed.
        int[][] permutations = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [1, 0, 2], [0, 2, 1], [2, 1, 0]];
        var index = random.Next(permutations.Length);
        var (permutation, even) = (permutations[index], index < 3);
        var signs = new[] { random.Next(2) * 2 - 1, random.Next(2) * 2 - 1, 1 };
        signs[2] = signs[0] * signs[1] * (even ? 1 : -1);
        var axis = new Vec3[3];
        for (var row = 0; row < 3; row++)
        {
            axis[row] = signs[row] * spin[permutation[row]];
        }

        var offset = new Vec3(Between(random, -500, 500), Between(random, -500, 500), Between(random, -200, 200));
        return new Placement(axis[0], axis[1], axis[2], offset);
    }

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}
