namespace CadMl.ModelTrainer.Solids;

internal sealed class Vertex(int id, Vec3 point)
{
    public int Id { get; } = id;

    public Vec3 Point { get; } = point;
}

/// <summary>
/// A straight edge, a circular arc run counter-clockwise about <see cref="Circle"/>'s Z from
/// <see cref="Start"/> to <see cref="End"/> (a full circle when they are the same vertex; the
/// circle's X points at the start, so the arc begins at angle 0), or a clamped uniform cubic
/// B-spline through its first and last <see cref="ControlPoints"/>.
/// </summary>
internal sealed class Edge(int id, Vertex start, Vertex end, Frame? circle, double radius, Vec3[]? controlPoints = null)
{
    public int Id { get; } = id;

    public Vertex Start { get; } = start;

    public Vertex End { get; } = end;

    public Frame? Circle { get; } = circle;

    public double Radius { get; } = radius;

    public Vec3[]? ControlPoints { get; } = controlPoints;

    public double Sweep
    {
        get
        {
            if (Circle is not { } c)
            {
                return 0;
            }

            if (Start == End)
            {
                return 2 * Math.PI;
            }

            var d = End.Point - c.Origin;
            var angle = Math.Atan2(d.Dot(c.Y), d.Dot(c.X));
            return angle <= 1e-12 ? angle + (2 * Math.PI) : angle;
        }
    }

    /// <summary>The edge as a polyline from start to end; arcs are cut as <paramref name="tolerance"/> asks.</summary>
    public Vec3[] Points(MeshTolerance tolerance)
    {
        if (ControlPoints is { } control)
        {
            return SplinePoints(control, tolerance);
        }

        if (Circle is not { } c)
        {
            return [Start.Point, End.Point];
        }

        var sweep = Sweep;
        var n = Math.Max(Start == End ? 3 : 1, tolerance.Segments(Radius, sweep));
        var points = new Vec3[n + 1];
        for (var k = 0; k <= n; k++)
        {
            var a = sweep * k / n;
            points[k] = c.Origin + (Radius * Math.Cos(a) * c.X) + (Radius * Math.Sin(a) * c.Y);
        }

        points[0] = Start.Point;
        points[n] = End.Point;
        return points;
    }

    private Vec3[] SplinePoints(Vec3[] control, MeshTolerance tolerance)
    {
        var length = 0.0;
        for (var i = 1; i < control.Length; i++)
        {
            length += (control[i] - control[i - 1]).Length;
        }

        var (first, last) = ((control[1] - control[0]).Unit(), (control[^1] - control[^2]).Unit());
        var turn = Math.Acos(Math.Clamp(first.Dot(last), -1, 1));
        var n = tolerance.SplineSegments(length, turn);
        var points = new Vec3[n + 1];
        for (var k = 0; k <= n; k++)
        {
            points[k] = BSpline.At(control, (double)k / n);
        }

        points[0] = Start.Point;
        points[n] = End.Point;
        return points;
    }
}

/// <summary>Clamped uniform cubic B-splines: knots 0,0,0,0, 1/(n−3), …, 1,1,1,1 for n control points.</summary>
internal static class BSpline
{
    public const int Degree = 3;

    /// <summary>The distinct knots and their multiplicities, as STEP lists them.</summary>
    public static (int[] Multiplicities, double[] Knots) KnotVector(int controlPoints)
    {
        var spans = controlPoints - Degree;
        var multiplicities = Enumerable.Range(0, spans + 1).Select(i => i == 0 || i == spans ? Degree + 1 : 1).ToArray();
        var knots = Enumerable.Range(0, spans + 1).Select(i => (double)i / spans).ToArray();
        return (multiplicities, knots);
    }

    /// <summary>The curve at parameter <paramref name="t"/> in [0, 1] by de Boor's algorithm.</summary>
    public static Vec3 At(Vec3[] control, double t)
    {
        var spans = control.Length - Degree;
        var span = Math.Min((int)(t * spans), spans - 1);
        double Knot(int i) => Math.Clamp(i - Degree, 0, spans) / (double)spans;
        var d = new Vec3[Degree + 1];
        for (var j = 0; j <= Degree; j++)
        {
            d[j] = control[span + j];
        }

        // Knot index of the span's start is span + Degree in the full knot vector.
        var k = span + Degree;
        for (var r = 1; r <= Degree; r++)
        {
            for (var j = Degree; j >= r; j--)
            {
                var i = k - Degree + j;
                var alpha = (t - Knot(i)) / (Knot(i + Degree + 1 - r) - Knot(i));
                d[j] = ((1 - alpha) * d[j - 1]) + (alpha * d[j]);
            }
        }

        return d[Degree];
    }
}

/// <summary>
/// How finely arcs are cut, as mesh exporters set it: no chord may stray further than
/// <see cref="Chord"/> from the arc and no segment may turn more than <see cref="MaxAngle"/>
/// (radians), so large circles get more segments than small holes.
/// </summary>
internal readonly record struct MeshTolerance(double Chord, double MaxAngle)
{
    public int Segments(double radius, double sweep)
    {
        var step = Chord < radius ? Math.Min(MaxAngle, 2 * Math.Acos(1 - (Chord / radius))) : MaxAngle;
        return (int)Math.Ceiling((sweep / step) - 1e-9);
    }

    /// <summary>Segments for a gently curving spline of this length whose tangent turns by <paramref name="turn"/>, as for an arc of the same length and turn.</summary>
    public int SplineSegments(double length, double turn) =>
        Math.Clamp((int)Math.Ceiling(Math.Max(turn / MaxAngle, Math.Sqrt(length * turn / (8 * Chord))) - 1e-9), 1, 64);
}

internal readonly record struct OrientedEdge(Edge Edge, bool Forward)
{
    public OrientedEdge Reversed => this with { Forward = !Forward };

    public Vertex Start => Forward ? Edge.Start : Edge.End;

    public Vec3[] Points(MeshTolerance tolerance)
    {
        var points = Edge.Points(tolerance);
        if (!Forward)
        {
            Array.Reverse(points);
        }

        return points;
    }
}

internal enum SurfaceKind
{
    Plane,
    Cylinder,
    Cone,
    BSpline,
}

/// <summary>
/// A plane (normal = frame Z), a cylinder (axis = frame Z), a cone whose radius is
/// <see cref="Radius"/> at the frame origin and grows by tan(<see cref="SemiAngle"/>) per unit
/// along Z, or a B-spline surface, cubic along u and linear along v, over <see cref="Grid"/>
/// ([u][v] control points; its frame Z is its mean normal, ∂S/∂u × ∂S/∂v).
/// </summary>
internal sealed record Surface(SurfaceKind Kind, Frame Frame, double Radius = 0, double SemiAngle = 0, Vec3[][]? Grid = null)
{
    /// <summary>The surface normal at a point on it (for cones and cylinders: pointing away from the axis).</summary>
    public Vec3 NormalAt(Vec3 p)
    {
        if (Kind is SurfaceKind.Plane or SurfaceKind.BSpline)
        {
            return Frame.Z;
        }

        var d = p - Frame.Origin;
        var radial = (d - (d.Dot(Frame.Z) * Frame.Z)).Unit();
        return Kind == SurfaceKind.Cylinder ? radial : (Math.Cos(SemiAngle) * radial) - (Math.Sin(SemiAngle) * Frame.Z);
    }
}

/// <summary>A face: its surface, whether its outward normal agrees with the surface's, and its loops (the first is the outer one).</summary>
internal sealed class Face(Surface surface, bool sameSense)
{
    public Surface Surface { get; } = surface;

    public bool SameSense { get; } = sameSense;

    public List<OrientedEdge[]> Loops { get; } = [];
}

/// <summary>
/// A boundary representation of one closed solid: shared vertices and edges, and faces on planes,
/// cylinders and cones. The STEP writer serialises it as it is; the STL writer tessellates it, each
/// shared edge once, so the mesh closes along the same edges the B-rep has.
/// </summary>
internal sealed class Brep(bool splitFullCircles)
{
    private readonly Dictionary<(long, long, long), Vertex> _vertexAt = [];
    private readonly Dictionary<(int, int), Edge> _lines = [];

    public List<Vertex> Vertices { get; } = [];

    public List<Edge> Edges { get; } = [];

    public List<Face> Faces { get; } = [];

    /// <summary>
    /// Whether a full circle is two half arcs (and a cylinder two half faces), as several CAD
    /// kernels export periodic faces; the same part then has other face and edge counts.
    /// </summary>
    public bool SplitFullCircles { get; } = splitFullCircles;

    public Vertex VertexAt(Vec3 p)
    {
        var key = ((long)Math.Round(p.X * 1e6), (long)Math.Round(p.Y * 1e6), (long)Math.Round(p.Z * 1e6));
        if (!_vertexAt.TryGetValue(key, out var vertex))
        {
            vertex = new Vertex(Vertices.Count + 1, p);
            Vertices.Add(vertex);
            _vertexAt[key] = vertex;
        }

        return vertex;
    }

    public OrientedEdge Line(Vec3 a, Vec3 b)
    {
        var (va, vb) = (VertexAt(a), VertexAt(b));
        if (_lines.TryGetValue((vb.Id, va.Id), out var reverse))
        {
            return new OrientedEdge(reverse, false);
        }

        if (!_lines.TryGetValue((va.Id, vb.Id), out var edge))
        {
            edge = Add(va, vb, null, 0);
            _lines[(va.Id, vb.Id)] = edge;
        }

        return new OrientedEdge(edge, true);
    }

    /// <summary>The arc about <paramref name="centre"/>.Z from <paramref name="from"/> to <paramref name="to"/>, counter-clockwise.</summary>
    public OrientedEdge Arc(Frame centre, double radius, Vec3 from, Vec3 to)
    {
        var start = VertexAt(from);
        var frame = Frame.Of(centre.Origin, centre.Z, from - centre.Origin);
        return new OrientedEdge(Add(start, VertexAt(to), frame, radius), true);
    }

    /// <summary>A full circle in the frame's XY plane around its origin, counter-clockwise about its Z, starting on its X axis.</summary>
    public OrientedEdge[] Ring(Frame frame, double radius)
    {
        var start = frame.At(radius, 0);
        if (!SplitFullCircles)
        {
            return [new OrientedEdge(Add(VertexAt(start), VertexAt(start), frame, radius), true)];
        }

        var half = frame.At(-radius, 0);
        return [Arc(frame, radius, start, half), Arc(frame, radius, half, start)];
    }

    /// <summary>A cubic B-spline edge from the first control point to the last.</summary>
    public OrientedEdge Spline(Vec3[] controlPoints) =>
        new(Add(VertexAt(controlPoints[0]), VertexAt(controlPoints[^1]), null, 0, controlPoints), true);

    public Face AddFace(Surface surface, bool sameSense, params OrientedEdge[][] loops)
    {
        var face = new Face(surface, sameSense);
        face.Loops.AddRange(loops);
        Faces.Add(face);
        return face;
    }

    /// <summary>
    /// The ruled faces between two rails of arcs with equal sweeps (one face per arc pair, joined
    /// by straight seams): cylinder walls, cone walls, hole walls.
    /// </summary>
    public void Wall(OrientedEdge[] lower, OrientedEdge[] upper, Surface surface, bool sameSense)
    {
        for (var i = 0; i < lower.Length; i++)
        {
            var (a, b) = (lower[i], upper[i]);
            var startSeam = Line(a.Start.Point, b.Start.Point);
            var endSeam = Line(End(a).Point, End(b).Point);
            AddFace(surface, sameSense, [a, endSeam, b.Reversed, startSeam.Reversed]);
        }
    }

    private static Vertex End(OrientedEdge edge) => edge.Forward ? edge.Edge.End : edge.Edge.Start;

    private Edge Add(Vertex start, Vertex end, Frame? circle, double radius, Vec3[]? controlPoints = null)
    {
        var edge = new Edge(Edges.Count + 1, start, end, circle, radius, controlPoints);
        Edges.Add(edge);
        return edge;
    }
}
