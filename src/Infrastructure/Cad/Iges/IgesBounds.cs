using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>
/// Model-space extents of an IGES file, in model units, from the parameter data of its geometry.
/// </summary>
/// <remarks>
/// <para>Parameter space is not model space: the curves a 142 CURVE_ON_SURFACE gives in the
/// surface's (u, v) space (BPTR), the parameter-space curves of 141 boundaries and 508 loops,
/// and everything they are composed of are excluded first, as is the axis line of a 120 surface
/// of revolution (a construction line, not a point of the part).</para>
/// <para>The rest is walked from the entities that are not physically dependent (status digits
/// 3–4 = 0 or 2), down through the structures (186 → 514 → 510 → 508 → 504/502, 144 → 142,
/// 143 → 141, 102 composites, 408 subfigure instances of 308 definitions), composing each
/// entity's transformation matrix (124, itself chained) with its parent's, as IGES defines.
/// Geometry that no such walk reaches (a dependent curve of a parent type the walk does not
/// know) is still included with its own matrix.</para>
/// <para>Precision: points (116), line end points (110), vertex lists (502) and copious data
/// (106) exactly; circular arcs (100) by their true extents after the transform; B-spline curves
/// and surfaces (126, 128) by their control points, which contain the geometry (a box at least
/// as large, never smaller); conic arcs (104) by their end points; surfaces of revolution,
/// tabulated cylinders and ruled surfaces by their defining curves; analytic surfaces
/// (190–198) contribute only through the boundaries that trim them. A subfigure definition whose
/// points times instances would exceed a work budget is placed by the corners of its own box,
/// which is exact for instances without rotation and a slightly larger box otherwise.</para>
/// </remarks>
internal sealed partial class IgesBounds(IgesFile file)
{
    private const int MaxDepth = 64;
    private const int MaxMatrixChain = 16;
    private const int MaxStepsPerEntity = 1000;
    private const long MaxPoints = 30_000_000;
    private const long PlacementWorkBudget = 20_000_000;

    private readonly bool[] _excluded = new bool[file.Count];
    private readonly bool[] _reached = new bool[file.Count];
    private readonly int[] _visited = new int[file.Count];
    private readonly Dictionary<int, Affine3> _matrices = [];
    private readonly Dictionary<int, (BoundingBox Box, long Points)> _definitions = [];
    private readonly Dictionary<int, int> _instancesOfDefinition = [];
    private readonly HashSet<string> _approximations = new(StringComparer.Ordinal);
    private BoundsAccumulator _bounds = new();
    private int _stamp;
    private long _steps;
    private long _points;
    private WorkCheckpoint _walkCheckpoint;
    private WorkCheckpoint _pointCheckpoint;

    /// <summary>Why the computed box is not exact (<see cref="BoundsAccuracy"/> reasons); empty when it is.</summary>
    public IReadOnlyCollection<string> Approximations => _approximations;

    public BoundingBox Compute(CancellationToken cancellationToken)
    {
        _walkCheckpoint = new WorkCheckpoint(1024, cancellationToken);
        _pointCheckpoint = new WorkCheckpoint(65_536, cancellationToken);
        MarkParameterSpace();
        CountSubfigureInstances();
        for (var e = 0; e < file.Count; e++)
        {
            if (file.Subordinate[e] is 0 or 2 && !_excluded[e] && file.Types[e] is not (308 or 320 or 124))
            {
                _stamp++;
                Walk(e, Affine3.Identity, 0);
            }
        }

        for (var e = 0; e < file.Count; e++)
        {
            if (!_reached[e] && !_excluded[e] && file.Types[e] is 100 or 104 or 106 or 110 or 112 or 114 or 116 or 126 or 128 or 502)
            {
                _stamp++;
                Walk(e, Affine3.Identity, 0);
            }
        }

        return _bounds.ToBox();
    }

    private void MarkParameterSpace()
    {
        for (var e = 0; e < file.Count; e++)
        {
            switch (file.Types[e])
            {
                case 142:
                    // (CRTN, SPTR, BPTR, CPTR, PREF)
                    Exclude(file.Pointer(e, 3));
                    break;
                case 141:
                    // (TYPE, PREF, SPTR, N, then per curve: CRVPT, SENSE, K, PSCPT × K)
                    var index = 5;
                    for (var curve = file.Integer(e, 4); curve > 0; curve--)
                    {
                        var k = file.Integer(e, index + 2);
                        for (var j = 0; j < k; j++)
                        {
                            Exclude(file.Pointer(e, index + 3 + j));
                        }

                        index += 3 + Math.Max(k, 0);
                    }

                    break;
                case 508:
                    // (N, then per edge: TYPE, EDGE, NDX, OF, K, (ISOP, CURV) × K)
                    var position = 2;
                    for (var edge = file.Integer(e, 1); edge > 0; edge--)
                    {
                        var k = file.Integer(e, position + 4);
                        for (var j = 0; j < k; j++)
                        {
                            Exclude(file.Pointer(e, position + 6 + (2 * j)));
                        }

                        position += 5 + (2 * Math.Max(k, 0));
                    }

                    break;
                case 120:
                    Exclude(file.Pointer(e, 1));
                    break;
                default:
                    break;
            }
        }
    }

    private void Exclude(int entity)
    {
        var pending = new Stack<(int Entity, int Depth)>();
        pending.Push((entity, 0));
        while (pending.TryPop(out var item))
        {
            if (item.Entity < 0 || _excluded[item.Entity] || item.Depth > MaxDepth)
            {
                continue;
            }

            _excluded[item.Entity] = true;
            if (file.Types[item.Entity] == 102)
            {
                for (var i = 0; i < file.Integer(item.Entity, 1); i++)
                {
                    pending.Push((file.Pointer(item.Entity, 2 + i), item.Depth + 1));
                }
            }
        }
    }

    private void Walk(int e, Affine3 parent, int depth)
    {
        if (e < 0 || _visited[e] == _stamp)
        {
            return;
        }

        if (depth > MaxDepth)
        {
            throw file.Error(e, $"Entities are nested more than {MaxDepth} levels deep (or reference each other in a cycle).");
        }

        _visited[e] = _stamp;
        _reached[e] = true;
        if (_excluded[e])
        {
            return;
        }

        _walkCheckpoint.Step();
        if (++_steps > MaxStepsPerEntity * ((long)file.Count + 1000))
        {
            // Subfigure instances of instances can multiply without bound.
            throw file.Error(e, "The entity structure expands beyond what a part can hold (runaway subfigure nesting?).");
        }

        var world = OwnMatrix(e).Then(parent);
        var next = depth + 1;
        switch (file.Types[e])
        {
            case 116:
                Include(world, e, 1);
                break;
            case 110:
                Include(world, e, 1);
                Include(world, e, 4);
                break;
            case 100:
                IncludeArc(world, e);
                break;
            case 104:
                // (A, B, C, D, E, F, ZT, X1, Y1, X2, Y2): end points only.
                _approximations.Add(BoundsAccuracy.ConicEndPoints);
                IncludePoint(e, world.Apply(new Point3(Coordinate(e, 8), Coordinate(e, 9), Coordinate(e, 7))));
                IncludePoint(e, world.Apply(new Point3(Coordinate(e, 10), Coordinate(e, 11), Coordinate(e, 7))));
                break;
            case 106:
                IncludeCopiousData(world, e);
                break;
            case 112:
                IncludeParametricSplineCurve(world, e);
                break;
            case 114:
                IncludeParametricSplineSurface(world, e);
                break;
            case 126:
                IncludeCurveControlPoints(world, e);
                break;
            case 128:
                IncludeSurfaceControlPoints(world, e);
                break;
            case 502:
                // (N, then X, Y, Z per vertex)
                for (var i = 0; i < file.Integer(e, 1); i++)
                {
                    Include(world, e, 2 + (3 * i));
                }

                break;
            case 102:
                WalkList(e, 2, file.Integer(e, 1), world, next);
                break;
            case 142:
                Walk(file.Pointer(e, 4), world, next);
                break;
            case 144:
                // (PTS, N1, N2, PTO, PTI × N2)
                Walk(file.Pointer(e, 1), world, next);
                Walk(file.Pointer(e, 4), world, next);
                WalkList(e, 5, file.Integer(e, 3), world, next);
                break;
            case 143:
                // (TYPE, SPTR, N, BDPT × N)
                Walk(file.Pointer(e, 2), world, next);
                WalkList(e, 4, file.Integer(e, 3), world, next);
                break;
            case 141:
                WalkBoundaryCurves(e, world, next);
                break;
            case 118:
                Walk(file.Pointer(e, 1), world, next);
                Walk(file.Pointer(e, 2), world, next);
                break;
            case 120:
                // (L axis, C generatrix, SA, TA): the generatrix is part of the surface.
                Walk(file.Pointer(e, 2), world, next);
                break;
            case 122:
                // (DE directrix, LX, LY, LZ end of the generatrix)
                Walk(file.Pointer(e, 1), world, next);
                Include(world, e, 2);
                break;
            case 140:
                // (NX, NY, NZ, D, DE base surface): approximated by the base surface.
                Walk(file.Pointer(e, 5), world, next);
                break;
            case 190 or 192 or 194 or 196 or 198:
                // The location point of an analytic surface is an anchor, not a point of the part;
                // it is marked as reached so the pass over unreached geometry leaves it out too.
                MarkReached(file.Pointer(e, 1));
                break;
            case 108:
                // (A, B, C, D, PTR bounding curve, ...): an unbounded plane has no extent.
                Walk(file.Pointer(e, 5), world, next);
                break;
            case 186:
                // (SHELL, SOF, N, (VOID, VOF) × N)
                Walk(file.Pointer(e, 1), world, next);
                for (var i = 0; i < file.Integer(e, 3); i++)
                {
                    Walk(file.Pointer(e, 4 + (2 * i)), world, next);
                }

                break;
            case 514:
                // (N, (FACE, OF) × N)
                for (var i = 0; i < file.Integer(e, 1); i++)
                {
                    Walk(file.Pointer(e, 2 + (2 * i)), world, next);
                }

                break;
            case 510:
                // (SURF, N, OF, LOOP × N)
                Walk(file.Pointer(e, 1), world, next);
                WalkList(e, 4, file.Integer(e, 2), world, next);
                break;
            case 508:
                WalkLoopEdges(e, world, next);
                break;
            case 504:
                // (N, (CURV, SVP, SV, TVP, TV) × N): model-space curves; their vertices are in 502 lists.
                for (var i = 0; i < file.Integer(e, 1); i++)
                {
                    Walk(file.Pointer(e, 2 + (5 * i)), world, next);
                    Walk(file.Pointer(e, 3 + (5 * i)), world, next);
                    Walk(file.Pointer(e, 5 + (5 * i)), world, next);
                }

                break;
            case 408:
                WalkSubfigureInstance(e, world, next);
                break;
            case 308:
                // (DEPTH, NAME, N, DE × N)
                WalkList(e, 4, file.Integer(e, 3), world, next);
                break;
            case 430:
                Walk(file.Pointer(e, 1), world, next);
                break;
            default:
                break;
        }
    }

    private void MarkReached(int entity)
    {
        if (entity >= 0)
        {
            _reached[entity] = true;
        }
    }

    private void WalkList(int e, int first, int count, Affine3 world, int depth)
    {
        for (var i = 0; i < count; i++)
        {
            Walk(file.Pointer(e, first + i), world, depth);
        }
    }

    private void WalkBoundaryCurves(int e, Affine3 world, int depth)
    {
        var index = 5;
        for (var curve = file.Integer(e, 4); curve > 0; curve--)
        {
            Walk(file.Pointer(e, index), world, depth);
            index += 3 + Math.Max(file.Integer(e, index + 2), 0);
        }
    }

    private void WalkLoopEdges(int e, Affine3 world, int depth)
    {
        var position = 2;
        for (var edge = file.Integer(e, 1); edge > 0; edge--)
        {
            Walk(file.Pointer(e, position + 1), world, depth);
            position += 5 + (2 * Math.Max(file.Integer(e, position + 4), 0));
        }
    }

    private void WalkSubfigureInstance(int e, Affine3 world, int depth)
    {
        // (DE of the 308 definition, X, Y, Z, S): definition coordinates are scaled by S (an
        // empty field, read as 0, means the default 1), moved to (X, Y, Z), then transformed.
        var scale = file.Parameter(e, 5) is var s && s != 0 ? Finite(e, s) : 1.0;
        var instance = Affine3.Scale(scale) with
        {
            Translation = new Point3(Coordinate(e, 2), Coordinate(e, 3), Coordinate(e, 4)),
        };
        var definition = file.Pointer(e, 1);
        if (definition < 0)
        {
            return;
        }

        var placed = instance.Then(world);
        var local = DefinitionBounds(definition, depth);
        if (local.Points * _instancesOfDefinition.GetValueOrDefault(definition, 1) > PlacementWorkBudget)
        {
            // Walking a big definition once per instance could run away; its box's corners
            // bound every instance, exactly so for instances that are not rotated.
            if (local.Points > 0)
            {
                foreach (var corner in Corners(local.Box))
                {
                    IncludePoint(e, placed.Apply(corner));
                    _approximations.Add(BoundsAccuracy.PlacedByBox);
                }
            }

            return;
        }

        // A definition placed several times is walked once per placement.
        _stamp++;
        Walk(definition, placed, depth);
    }

    /// <summary>The definition's extents in its own coordinates and how many points they took, walked once.</summary>
    private (BoundingBox Box, long Points) DefinitionBounds(int definition, int depth)
    {
        if (_definitions.TryGetValue(definition, out var known))
        {
            return known;
        }

        var outer = _bounds;
        var pointsBefore = _points;
        _bounds = new BoundsAccumulator();
        _stamp++;
        _definitionWalks++;
        Walk(definition, Affine3.Identity, depth);
        _definitionWalks--;
        var result = (_bounds.ToBox(), _points - pointsBefore);
        _bounds = outer;
        _definitions[definition] = result;
        return result;
    }

    private void CountSubfigureInstances()
    {
        for (var e = 0; e < file.Count; e++)
        {
            if (file.Types[e] == 408 && file.Pointer(e, 1) is var definition and >= 0)
            {
                _instancesOfDefinition[definition] = _instancesOfDefinition.GetValueOrDefault(definition) + 1;
            }
        }
    }

    private static Point3[] Corners(BoundingBox box) =>
    [
        new(box.MinX, box.MinY, box.MinZ), new(box.MaxX, box.MinY, box.MinZ),
        new(box.MinX, box.MaxY, box.MinZ), new(box.MaxX, box.MaxY, box.MinZ),
        new(box.MinX, box.MinY, box.MaxZ), new(box.MaxX, box.MinY, box.MaxZ),
        new(box.MinX, box.MaxY, box.MaxZ), new(box.MaxX, box.MaxY, box.MaxZ),
    ];

    private void IncludeArc(Affine3 world, int e)
    {
        // (ZT, X1, Y1 centre, X2, Y2 start, X3, Y3 end), counter-clockwise in the definition plane.
        var z = Coordinate(e, 1);
        var center = new Point3(Coordinate(e, 2), Coordinate(e, 3), z);
        var start = new Point3(Coordinate(e, 4), Coordinate(e, 5), z);
        var end = new Point3(Coordinate(e, 6), Coordinate(e, 7), z);
        IncludePoint(e, world.Apply(start));
        IncludePoint(e, world.Apply(end));
        var radius = (start - center).Length;
        if (radius == 0)
        {
            return;
        }

        var from = Math.Atan2(start.Y - center.Y, start.X - center.X);
        var to = Math.Atan2(end.Y - center.Y, end.X - center.X);
        var sweep = Angles.Normalize(to - from);

        if (start == end)
        {
            sweep = EllipseArc.FullTurn;
        }

        new EllipseArc(center, new Point3(radius, 0, 0), new Point3(0, radius, 0), from, sweep)
            .Transform(world)
            .IncludeExtremes(_bounds);
    }

    private void IncludeCopiousData(Affine3 world, int e)
    {
        // (IP, N, data): IP 1 = common Z then (x, y) pairs; 2 = (x, y, z); 3 = (x, y, z, i, j, k).
        var mode = file.Integer(e, 1);
        var count = file.Integer(e, 2);
        switch (mode)
        {
            case 1:
                var z = Coordinate(e, 3);
                for (var i = 0; i < count; i++)
                {
                    IncludePoint(e, world.Apply(new Point3(Coordinate(e, 4 + (2 * i)), Coordinate(e, 5 + (2 * i)), z)));
                }

                break;
            case 2:
            case 3:
                var stride = mode == 2 ? 3 : 6;
                for (var i = 0; i < count; i++)
                {
                    Include(world, e, 3 + (stride * i));
                }

                break;
            default:
                throw file.Error(e, "Copious data has an unknown interpretation flag.");
        }
    }

    /// <summary>
    /// 112 parametric spline curve (CTYPE, H, NDIM, N, T × (N+1), then per segment AX, BX, CX, DX,
    /// AY…DY, AZ…DZ with X(s) = AX + BX·s + CX·s² + DX·s³ for s in [0, T(i+1) − T(i)]). Each cubic
    /// segment is turned into its four Bézier control points, whose box holds the segment and
    /// touches it at both ends.
    /// </summary>
    private void IncludeParametricSplineCurve(Affine3 world, int e)
    {
        var segments = file.Integer(e, 4);
        var first = 6L + segments;
        if (segments < 0 || first + (12L * segments) > file.ParameterCountOf(e))
        {
            throw file.Error(e, "A parametric spline curve declares more segments than its parameter data holds.");
        }

        Span<double> x = stackalloc double[4], y = stackalloc double[4], z = stackalloc double[4];
        for (var i = 0; i < segments; i++)
        {
            var length = Finite(e, file.Parameter(e, 6 + i)) - Finite(e, file.Parameter(e, 5 + i));
            var at = (int)first + (12 * i);
            for (var k = 0; k < 4; k++)
            {
                x[k] = Coordinate(e, at + k);
                y[k] = Coordinate(e, at + 4 + k);
                z[k] = Coordinate(e, at + 8 + k);
            }

            PowerToBezier(x, length);
            PowerToBezier(y, length);
            PowerToBezier(z, length);
            for (var k = 0; k < 4; k++)
            {
                IncludePoint(e, world.Apply(new Point3(x[k], y[k], z[k])));
            }
        }

        _approximations.Add(BoundsAccuracy.SplineControlPoints);
    }

    /// <summary>
    /// 114 parametric spline surface (CTYPE, PTYPE, M, N, TU × (M+1), TV × (N+1), then for each
    /// patch row i the N patches of 48 coefficients, 16 each for X, Y, Z in the order
    /// A B C D E F G H K L M N P Q R S = s⁰t⁰ s¹t⁰ s²t⁰ s³t⁰ s⁰t¹ … s³t³, followed by 48 values
    /// that carry no geometry; 48·(N+1) more close the entity). Each bicubic patch is turned into
    /// its 4×4 Bézier net: the net's box holds the patch and touches it at its four corners.
    /// </summary>
    private void IncludeParametricSplineSurface(Affine3 world, int e)
    {
        var m = file.Integer(e, 3);
        var n = file.Integer(e, 4);
        var first = 7L + m + n;
        if (m < 0 || n < 0 || first + (48L * m * (n + 1)) > file.ParameterCountOf(e))
        {
            throw file.Error(e, "A parametric spline surface declares more patches than its parameter data holds.");
        }

        Span<double> net = stackalloc double[48];
        for (var i = 0; i < m; i++)
        {
            var du = Finite(e, file.Parameter(e, 6 + i)) - Finite(e, file.Parameter(e, 5 + i));
            for (var j = 0; j < n; j++)
            {
                var dv = Finite(e, file.Parameter(e, 7 + m + j)) - Finite(e, file.Parameter(e, 6 + m + j));
                var at = (int)(first + (48L * ((i * (n + 1L)) + j)));
                for (var k = 0; k < 48; k++)
                {
                    net[k] = Coordinate(e, at + k);
                }

                for (var axis = 0; axis < 3; axis++)
                {
                    PatchToBezier(net.Slice(16 * axis, 16), du, dv);
                }

                for (var k = 0; k < 16; k++)
                {
                    IncludePoint(e, world.Apply(new Point3(net[k], net[16 + k], net[32 + k])));
                }
            }
        }

        _approximations.Add(BoundsAccuracy.SplineControlPoints);
    }

    /// <summary>Bicubic power coefficients (index a + 4b for s^a·t^b) over [0, du]×[0, dv] to the 4×4 Bézier net, in place.</summary>
    private static void PatchToBezier(Span<double> coefficients, double du, double dv)
    {
        Span<double> line = stackalloc double[4];
        for (var b = 0; b < 4; b++)
        {
            for (var a = 0; a < 4; a++)
            {
                line[a] = coefficients[a + (4 * b)];
            }

            PowerToBezier(line, du);
            for (var a = 0; a < 4; a++)
            {
                coefficients[a + (4 * b)] = line[a];
            }
        }

        for (var a = 0; a < 4; a++)
        {
            for (var b = 0; b < 4; b++)
            {
                line[b] = coefficients[a + (4 * b)];
            }

            PowerToBezier(line, dv);
            for (var b = 0; b < 4; b++)
            {
                coefficients[a + (4 * b)] = line[b];
            }
        }
    }

    /// <summary>c0 + c1·s + c2·s² + c3·s³ for s in [0, h] to the Bézier control values of the same cubic, in place.</summary>
    private static void PowerToBezier(Span<double> c, double h)
    {
        var d1 = c[1] * h;
        var d2 = c[2] * h * h;
        var d3 = c[3] * h * h * h;
        var d0 = c[0];
        c[0] = d0;
        c[1] = d0 + (d1 / 3);
        c[2] = d0 + (2 * d1 / 3) + (d2 / 3);
        c[3] = d0 + d1 + d2 + d3;
    }

    private void IncludeCurveControlPoints(Affine3 world, int e)
    {
        // (K, M, PROP1–4, knots × (K+M+2), weights × (K+1), control points × 3(K+1), ...)
        var k = file.Integer(e, 1);
        var m = file.Integer(e, 2);
        if (k < 0 || m < 0)
        {
            throw file.Error(e, "A B-spline curve has a negative index.");
        }

        var first = 7 + (long)k + m + 2 + k + 1;
        IncludeControlPoints(world, e, first, k + 1L);
    }

    private void IncludeSurfaceControlPoints(Affine3 world, int e)
    {
        // (K1, K2, M1, M2, PROP1–5, knots S × (K1+M1+2), knots T × (K2+M2+2),
        //  weights × (K1+1)(K2+1), control points × 3(K1+1)(K2+1), ...)
        var k1 = file.Integer(e, 1);
        var k2 = file.Integer(e, 2);
        var m1 = file.Integer(e, 3);
        var m2 = file.Integer(e, 4);
        if (k1 < 0 || k2 < 0 || m1 < 0 || m2 < 0)
        {
            throw file.Error(e, "A B-spline surface has a negative index.");
        }

        var points = (k1 + 1L) * (k2 + 1L);
        var first = 10 + (k1 + (long)m1 + 2) + (k2 + (long)m2 + 2) + points;
        IncludeControlPoints(world, e, first, points);
    }

    private void IncludeControlPoints(Affine3 world, int e, long first, long count)
    {
        _approximations.Add(BoundsAccuracy.SplineControlPoints);
        // The declared sizes must fit the parameters actually present; a hostile count fails
        // here instead of looping over parameters that do not exist.
        if (first + (3 * count) > file.ParameterCountOf(e))
        {
            throw file.Error(e, "A B-spline declares more control points than its parameter data holds.");
        }

        for (var i = 0; i < count; i++)
        {
            Include(world, e, (int)first + (3 * i));
        }
    }

    private void Include(Affine3 world, int e, int firstCoordinate) => IncludePoint(e, world.Apply(new Point3(
        Coordinate(e, firstCoordinate),
        Coordinate(e, firstCoordinate + 1),
        Coordinate(e, firstCoordinate + 2))));

    private void IncludePoint(int e, Point3 point)
    {
        _pointCheckpoint.Step();
        if (++_points > MaxPoints)
        {
            // Only nested instancing can get here: a file holds far fewer coordinates than this.
            throw file.Error(e, "Subfigure instances expand to more points than a part can hold.");
        }

        _bounds.Include(point);
        AddToShape(point);
    }

    private double Coordinate(int e, int index) => Finite(e, file.Parameter(e, index));

    private double Finite(int e, double value)
    {
        if (double.IsNaN(value))
        {
            throw file.Error(e, "A coordinate is text, not a number.");
        }

        return double.IsFinite(value)
            ? value
            : throw new CadReadException(
                "A coordinate is not finite.",
                new Dictionary<string, object?> { ["directory_entry"] = (2 * e) + 1, ["entity_type"] = file.Types[e] },
                code: ErrorCodes.InvalidGeometry);
    }

    /// <summary>The entity's transformation: its 124 matrix followed by the matrices that one refers to.</summary>
    private Affine3 OwnMatrix(int e)
    {
        var pointer = file.TransformPointers[e];
        if (pointer == 0)
        {
            return Affine3.Identity;
        }

        var result = Affine3.Identity;
        var matrix = file.Entity(e, pointer);
        for (var chain = 0; matrix >= 0; chain++)
        {
            if (chain == MaxMatrixChain)
            {
                throw file.Error(e, "Transformation matrices refer to each other in a cycle.");
            }

            if (file.Types[matrix] != 124)
            {
                throw file.Error(e, "The transformation matrix pointer does not point to a 124 entity.");
            }

            result = result.Then(Matrix(matrix));
            matrix = file.TransformPointers[matrix] == 0 ? -1 : file.Entity(matrix, file.TransformPointers[matrix]);
        }

        return result;
    }

    private Affine3 Matrix(int e)
    {
        if (_matrices.TryGetValue(e, out var cached))
        {
            return cached;
        }

        // (R11, R12, R13, T1, R21, R22, R23, T2, R31, R32, R33, T3)
        var matrix = Affine3.FromRows(
            Coordinate(e, 1), Coordinate(e, 2), Coordinate(e, 3), Coordinate(e, 4),
            Coordinate(e, 5), Coordinate(e, 6), Coordinate(e, 7), Coordinate(e, 8),
            Coordinate(e, 9), Coordinate(e, 10), Coordinate(e, 11), Coordinate(e, 12));
        _matrices[e] = matrix;
        return matrix;
    }
}
