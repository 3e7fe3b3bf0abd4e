using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Step;

/// <param name="Approximations">Why the box is not exact (<see cref="BoundsAccuracy"/> reasons), empty when it is.</param>
internal readonly record struct StepBoundsResult(BoundingBox Box, int Bodies, int Instances, string? Note, IReadOnlyList<string> Approximations);

/// <summary>
/// Model extents in millimetres, from the boundary geometry of every body (solid, shell-based or
/// face-based surface model), placed by <see cref="StepPlacements"/>.
/// </summary>
/// <remarks>
/// Precision, by design:
/// <list type="bullet">
/// <item>Vertices (VERTEX_POINT) and POLY_LOOP points are taken exactly.</item>
/// <item>Circular and elliptic edges contribute their true extents between their vertices
/// (the direction given by same_sense), full conics when the edge is closed.</item>
/// <item>B-spline edges contribute their control points: the curve lies in their hull, so the
/// box may be slightly larger than the curve, never smaller; end points are exact.</item>
/// <item>Lines need nothing beyond their vertices; other curve types (hyperbola, parabola,
/// offset curves, pcurves used as edge geometry) are represented by their vertices only.</item>
/// <item>Surfaces contribute nothing of their own: anchor points of planes and axes of
/// cylinders are not points of the part. A doubly curved face that bulges beyond all of its
/// edges (a dome bounded by one circle) is therefore under-estimated by the bulge.</item>
/// <item>Parameter-space geometry (pcurves) is never followed.</item>
/// <item>A body placed so many times that transforming every point would exceed a work budget
/// is placed by the corners of its own box (exact for unrotated placements), which is noted.</item>
/// </list>
/// Files without bodies use their GEOMETRIC_SET / GEOMETRIC_CURVE_SET elements; files without
/// those either use every 3D CARTESIAN_POINT in the file unit, which is noted.
/// </remarks>
internal sealed partial class StepBounds
{
    private const int MaxCurveDepth = 8;

    // Points × placements beyond which a body is placed by the 8 corners of its own box: still a
    // box that holds the body (exact for axis-aligned placements), at a cost that cannot explode.
    private const long PlacementWorkBudget = 20_000_000;

    private readonly StepFile _file;
    private readonly StepUnits _units;
    private readonly StepGeometry _geometry;
    private readonly Role[] _roles;
    private readonly CurveKind[] _curveKinds;
    private readonly int[] _visited;
    private readonly Stack<int> _pending = new();
    private readonly List<Point3> _points = [];
    private readonly List<EllipseArc> _arcs = [];
    private readonly int _faceSurface;
    private readonly int _edge;
    private readonly int _edgeCurve;
    private readonly int _vertexPoint;
    private readonly int _polyLoop;
    private readonly int _geometricSet;
    private readonly int _conic;
    private readonly int _circle;
    private readonly int _ellipse;
    private readonly int _bSplineCurve;
    private readonly int _polyline;
    private readonly int _surfaceCurve;
    private readonly int _trimmedCurve;
    private readonly int _compositeCurve;
    private int _stamp;
    private bool _usedControlPoints;
    private WorkCheckpoint _collectCheckpoint;

    public StepBounds(StepFile file, StepUnits units)
    {
        _file = file;
        _units = units;
        _geometry = new StepGeometry(file);
        _roles = new Role[file.TypeCount];
        _curveKinds = new CurveKind[file.TypeCount];
        for (var code = 0; code < file.TypeCount; code++)
        {
            _roles[code] = RoleOf(file.TypeName(code));
            _curveKinds[code] = CurveKindOf(file.TypeName(code));
        }

        _visited = new int[file.Count];
        _faceSurface = file.TypeCode("FACE_SURFACE");
        _edge = file.TypeCode("EDGE");
        _edgeCurve = file.TypeCode("EDGE_CURVE");
        _vertexPoint = file.TypeCode("VERTEX_POINT");
        _polyLoop = file.TypeCode("POLY_LOOP");
        _geometricSet = file.TypeCode("GEOMETRIC_SET");
        _conic = file.TypeCode("CONIC");
        _circle = file.TypeCode("CIRCLE");
        _ellipse = file.TypeCode("ELLIPSE");
        _bSplineCurve = file.TypeCode("B_SPLINE_CURVE");
        _polyline = file.TypeCode("POLYLINE");
        _surfaceCurve = file.TypeCode("SURFACE_CURVE");
        _trimmedCurve = file.TypeCode("TRIMMED_CURVE");
        _compositeCurve = file.TypeCode("COMPOSITE_CURVE");
    }

    private enum Role : byte
    {
        None,
        Body,
        Container,
        Face,
        EdgeCurve,
        VertexPoint,
        PolyLoop,
        GeometricSet,
    }

    private enum CurveKind : byte
    {
        None,
        Circle,
        Ellipse,
        BSpline,
        Polyline,
        SurfaceCurve,
        Trimmed,
        Composite,
    }

    public StepBoundsResult Compute(CancellationToken cancellationToken)
    {
        _collectCheckpoint = new WorkCheckpoint(4096, cancellationToken);
        var bodies = RecordsWithRole(Role.Body);
        if (bodies.Count == 0)
        {
            bodies = RecordsWithRole(Role.GeometricSet);
        }

        var placements = new StepPlacements(
            _geometry,
            _units,
            record => RoleOf(record) is Role.Body or Role.GeometricSet,
            cancellationToken);
        var bounds = new BoundsAccumulator();
        var instances = 0;
        var instanceCheckpoint = new WorkCheckpoint(256, cancellationToken);
        var approximated = false;
        foreach (var body in bodies)
        {
            Collect(body);
            if (_points.Count == 0 && _arcs.Count == 0)
            {
                continue;
            }

            var placed = placements.PlacementsOf(body).ToList();
            var work = (long)(_points.Count + (2 * _arcs.Count)) * placed.Sum(p => (long)p.World.Count);
            var corners = work > PlacementWorkBudget ? LocalCorners() : null;
            foreach (var (scale, worlds) in placed)
            {
                foreach (var world in worlds)
                {
                    instances++;
                    instanceCheckpoint.Step();

                    var transform = Affine3.Scale(scale).Then(world);
                    if (corners is null)
                    {
                        Include(bounds, transform);
                        AddToShape(transform);
                    }
                    else
                    {
                        foreach (var corner in corners)
                        {
                            bounds.Include(transform.Apply(corner));
                        }
                    }
                }
            }

            if (corners is not null)
            {
                approximated = true;
            }
        }

        var note = approximated
            ? "a body placed very many times was bounded by its transformed box"
            : placements.Note;
        var approximations = new List<string>();
        if (_usedControlPoints)
        {
            approximations.Add(BoundsAccuracy.SplineControlPoints);
        }

        if (approximated)
        {
            approximations.Add(BoundsAccuracy.PlacedByBox);
        }

        if (placements.PlacementsCut)
        {
            approximations.Add(BoundsAccuracy.PartialPlacements);
        }

        if (placements.TransformationUnapplied)
        {
            approximations.Add(BoundsAccuracy.UnappliedTransformation);
        }

        if (bounds.IsEmpty)
        {
            IncludeEveryPoint(bounds);
            if (!bounds.IsEmpty)
            {
                note = "no B-rep or curve-set geometry: bounds from every 3D point";
                approximations.Add(BoundsAccuracy.EveryPoint);
            }
        }

        return new StepBoundsResult(bounds.ToBox(), bodies.Count, instances, note, approximations);
    }

    private static Role RoleOf(string typeName) => typeName switch
    {
        "MANIFOLD_SOLID_BREP" or "BREP_WITH_VOIDS" or "FACETED_BREP" or "SHELL_BASED_SURFACE_MODEL"
            or "FACE_BASED_SURFACE_MODEL" => Role.Body,
        "CLOSED_SHELL" or "OPEN_SHELL" or "ORIENTED_CLOSED_SHELL" or "ORIENTED_OPEN_SHELL" or "CONNECTED_FACE_SET"
            or "FACE_BOUND" or "FACE_OUTER_BOUND" or "EDGE_LOOP" or "ORIENTED_EDGE" or "VERTEX_LOOP" or "ORIENTED_FACE"
            or "SUBFACE" or "VERTEX_SHELL" or "WIRE_SHELL" => Role.Container,
        "ADVANCED_FACE" or "FACE_SURFACE" or "FACE" => Role.Face,
        "EDGE_CURVE" => Role.EdgeCurve,
        "VERTEX_POINT" => Role.VertexPoint,
        "POLY_LOOP" => Role.PolyLoop,
        "GEOMETRIC_SET" or "GEOMETRIC_CURVE_SET" => Role.GeometricSet,
        _ => Role.None,
    };

    private static CurveKind CurveKindOf(string typeName) => typeName switch
    {
        "CIRCLE" => CurveKind.Circle,
        "ELLIPSE" => CurveKind.Ellipse,
        "B_SPLINE_CURVE" or "B_SPLINE_CURVE_WITH_KNOTS" or "BEZIER_CURVE" or "UNIFORM_CURVE" or "QUASI_UNIFORM_CURVE"
            or "RATIONAL_B_SPLINE_CURVE" => CurveKind.BSpline,
        "POLYLINE" => CurveKind.Polyline,
        "SURFACE_CURVE" or "SEAM_CURVE" or "INTERSECTION_CURVE" or "BOUNDED_SURFACE_CURVE" => CurveKind.SurfaceCurve,
        "TRIMMED_CURVE" => CurveKind.Trimmed,
        "COMPOSITE_CURVE" or "BOUNDED_COMPOSITE_CURVE" => CurveKind.Composite,
        _ => CurveKind.None,
    };

    private Role RoleOf(int record)
    {
        for (var part = 0; part < _file.PartCount(record); part++)
        {
            var role = _roles[_file.PartType(record, part)];
            if (role != Role.None)
            {
                return role;
            }
        }

        return Role.None;
    }

    private CurveKind CurveKindOf(int record)
    {
        for (var part = 0; part < _file.PartCount(record); part++)
        {
            var kind = _curveKinds[_file.PartType(record, part)];
            if (kind != CurveKind.None)
            {
                return kind;
            }
        }

        return CurveKind.None;
    }

    private List<int> RecordsWithRole(Role wanted)
    {
        var result = new List<int>();
        for (var record = 0; record < _file.Count; record++)
        {
            if (RoleOf(record) == wanted)
            {
                result.Add(record);
            }
        }

        return result;
    }

    /// <summary>Gathers a body's boundary points and conic arcs, in its own file units.</summary>
    private void Collect(int body)
    {
        _stamp++;
        _points.Clear();
        _arcs.Clear();
        _edges.Clear();
        _pending.Push(body);
        while (_pending.TryPop(out var record))
        {
            if (_visited[record] == _stamp)
            {
                continue;
            }

            _visited[record] = _stamp;
            _collectCheckpoint.Step();

            switch (RoleOf(record))
            {
                case Role.Body:
                case Role.Container:
                    for (var part = 0; part < _file.PartCount(record); part++)
                    {
                        PushReferences(_file.PartParameters(record, part));
                    }

                    break;
                case Role.Face:
                    PushFaceBounds(record);
                    break;
                case Role.EdgeCurve:
                    AddEdge(record);
                    break;
                case Role.VertexPoint:
                    AddVertex(record);
                    break;
                case Role.PolyLoop:
                    AddPointList(_geometry.Attribute(record, _polyLoop, 1, 0));
                    break;
                case Role.GeometricSet:
                    AddSetElements(record);
                    break;
                default:
                    break;
            }
        }
    }

    private void PushReferences(ReadOnlySpan<byte> parameters)
    {
        var references = new StepReferences(parameters);
        while (references.MoveNext(out var id))
        {
            _pending.Push(_file.IndexOf(id));
        }
    }

    private void PushFaceBounds(int record)
    {
        if (!_file.IsComplex(record))
        {
            // (name, bounds, face_geometry, same_sense): the surface is not followed.
            PushReferences(StepValues.Item(_file.PartParameters(record, 0), 1));
            return;
        }

        for (var part = 0; part < _file.PartCount(record); part++)
        {
            if (_file.PartType(record, part) != _faceSurface)
            {
                PushReferences(_file.PartParameters(record, part));
            }
        }
    }

    private void AddVertex(int record)
    {
        if (VertexPosition(record) is { } point)
        {
            _points.Add(point);
        }
    }

    private Point3? VertexPosition(int vertex) =>
        _geometry.Reference(_geometry.Attribute(vertex, _vertexPoint, 1, 0)) is { } point ? _geometry.Point(point) : null;

    private void AddEdge(int record)
    {
        // Simple EDGE_CURVE(name, edge_start, edge_end, edge_geometry, same_sense); complex
        // EDGE(edge_start, edge_end) + EDGE_CURVE(edge_geometry, same_sense).
        var start = _geometry.Reference(_geometry.Attribute(record, _edge, 1, 0)) is { } v1 ? VertexPosition(v1) : null;
        var end = _geometry.Reference(_geometry.Attribute(record, _edge, 2, 1)) is { } v2 ? VertexPosition(v2) : null;
        AddIfPresent(start);
        AddIfPresent(end);
        var sameSense = !IsFalse(_geometry.Attribute(record, _edgeCurve, 4, 1));
        var curveFrom = _points.Count;
        var arcFrom = _arcs.Count;
        if (_geometry.Reference(_geometry.Attribute(record, _edgeCurve, 3, 0)) is { } curve)
        {
            AddCurve(curve, start, end, sameSense, 0);
        }

        _edges.Add(new LocalEdge(start is null || end is null ? -1 : curveFrom - 2, curveFrom, _points.Count, arcFrom, _arcs.Count));
    }

    private void AddSetElements(int record)
    {
        if (!StepValues.TryList(_geometry.Attribute(record, _geometricSet, 1, 0), out var elements))
        {
            return;
        }

        var items = new StepItems(elements);
        while (items.MoveNext(out var item))
        {
            if (_geometry.Reference(item) is not { } element)
            {
                continue;
            }

            if (_geometry.IsPoint(element))
            {
                AddIfPresent(_geometry.Point(element));
            }
            else
            {
                AddCurve(element, null, null, sameSense: true, 0);
            }
        }
    }

    private void AddCurve(int curve, Point3? start, Point3? end, bool sameSense, int depth)
    {
        if (depth > MaxCurveDepth)
        {
            return;
        }

        switch (CurveKindOf(curve))
        {
            case CurveKind.Circle:
                var radius = Real(curve, _geometry.Attribute(curve, _circle, 2, 0));
                AddConic(_geometry.Attribute(curve, _conic, 1, 0), radius, radius, start, end, sameSense);
                break;
            case CurveKind.Ellipse:
                AddConic(
                    _geometry.Attribute(curve, _conic, 1, 0),
                    Real(curve, _geometry.Attribute(curve, _ellipse, 2, 0)),
                    Real(curve, _geometry.Attribute(curve, _ellipse, 3, 1)),
                    start,
                    end,
                    sameSense);
                break;
            case CurveKind.BSpline:
                // Simple (name, degree, control_points_list, ...); complex B_SPLINE_CURVE(degree, control_points_list, ...).
                AddPointList(_geometry.Attribute(curve, _bSplineCurve, 2, 1));
                _usedControlPoints = true;
                break;
            case CurveKind.Polyline:
                AddPointList(_geometry.Attribute(curve, _polyline, 1, 0));
                break;
            case CurveKind.SurfaceCurve:
                // (name, curve_3d, associated_geometry, master_representation): only the 3D curve.
                if (_geometry.Reference(_geometry.Attribute(curve, _surfaceCurve, 1, 0)) is { } curve3d)
                {
                    AddCurve(curve3d, start, end, sameSense, depth + 1);
                }

                break;
            case CurveKind.Trimmed:
                AddTrimmed(curve, start, end, sameSense, depth);
                break;
            case CurveKind.Composite:
                AddComposite(curve, depth);
                break;
            default:
                break;
        }
    }

    private void AddTrimmed(int curve, Point3? start, Point3? end, bool sameSense, int depth)
    {
        // (name, basis_curve, trim_1, trim_2, sense_agreement, master_representation). Inside an
        // edge the vertices bound it; on its own its trimming points do.
        if (_geometry.Reference(_geometry.Attribute(curve, _trimmedCurve, 1, 0)) is not { } basis)
        {
            return;
        }

        if (start is null || end is null)
        {
            start = TrimPoint(_geometry.Attribute(curve, _trimmedCurve, 2, 1));
            end = TrimPoint(_geometry.Attribute(curve, _trimmedCurve, 3, 2));
            sameSense = !IsFalse(_geometry.Attribute(curve, _trimmedCurve, 4, 3));
            AddIfPresent(start);
            AddIfPresent(end);
        }

        AddCurve(basis, start, end, sameSense, depth + 1);
    }

    private Point3? TrimPoint(ReadOnlySpan<byte> trim)
    {
        if (!StepValues.TryList(trim, out var selects))
        {
            return null;
        }

        var items = new StepItems(selects);
        while (items.MoveNext(out var item))
        {
            if (_geometry.Reference(item) is { } record && _geometry.IsPoint(record))
            {
                return _geometry.Point(record);
            }
        }

        return null;
    }

    private void AddComposite(int curve, int depth)
    {
        if (!StepValues.TryList(_geometry.Attribute(curve, _compositeCurve, 1, 0), out var segments))
        {
            return;
        }

        var items = new StepItems(segments);
        while (items.MoveNext(out var item))
        {
            // COMPOSITE_CURVE_SEGMENT(transition, same_sense, parent_curve)
            if (_geometry.Reference(item) is { } segment
                && !_file.IsComplex(segment)
                && _geometry.Reference(StepValues.Item(_file.PartParameters(segment, 0), 2)) is { } parent)
            {
                AddCurve(parent, null, null, sameSense: true, depth + 1);
            }
        }
    }

    private void AddConic(ReadOnlySpan<byte> position, double a, double b, Point3? start, Point3? end, bool sameSense)
    {
        if (!(a > 0 && b > 0) || _geometry.Reference(position) is not { } placement || _geometry.Placement(placement, 1.0) is not { } frame)
        {
            return;
        }

        var center = frame.Translation;
        var x = frame.Column0;
        var y = frame.Column1;
        var sweep = EllipseArc.FullTurn;
        var from = 0.0;
        if (start is { } p1 && end is { } p2 && p1 != p2)
        {
            double Angle(Point3 p) => Math.Atan2((p - center).Dot(y) / b, (p - center).Dot(x) / a);
            var t1 = Angle(p1);
            var t2 = Angle(p2);
            from = sameSense ? t1 : t2;
            sweep = Angles.Normalize((sameSense ? t2 : t1) - from);
            if (sweep == 0)
            {
                sweep = EllipseArc.FullTurn;
            }
        }

        _arcs.Add(new EllipseArc(center, a * x, b * y, from, sweep));
    }

    private void AddPointList(ReadOnlySpan<byte> item)
    {
        if (!StepValues.TryList(item, out var list))
        {
            return;
        }

        var items = new StepItems(list);
        while (items.MoveNext(out var pointItem))
        {
            if (_geometry.Reference(pointItem) is { } point)
            {
                AddIfPresent(_geometry.Point(point));
            }
        }
    }

    private void AddIfPresent(Point3? point)
    {
        if (point is { } p)
        {
            _points.Add(p);
        }
    }

    private double Real(int record, ReadOnlySpan<byte> item)
    {
        if (!StepValues.TryReal(item, out var value))
        {
            return double.NaN;
        }

        return double.IsFinite(value)
            ? value
            : throw new CadReadException(
                "A curve has a non-finite size.",
                new Dictionary<string, object?> { ["instance"] = $"#{_file.IdOf(record)}" },
                code: ErrorCodes.InvalidGeometry);
    }

    private static bool IsFalse(ReadOnlySpan<byte> item) =>
        StepValues.TryEnumeration(item, out var name) && name.SequenceEqual("F"u8);

    private void Include(BoundsAccumulator bounds, Affine3 transform)
    {
        if (transform.IsIdentity)
        {
            foreach (var point in _points)
            {
                bounds.Include(point);
            }

            foreach (var arc in _arcs)
            {
                arc.IncludeExtremes(bounds);
            }

            return;
        }

        foreach (var point in _points)
        {
            bounds.Include(transform.Apply(point));
        }

        foreach (var arc in _arcs)
        {
            arc.Transform(transform).IncludeExtremes(bounds);
        }
    }

    private Point3[] LocalCorners()
    {
        var local = new BoundsAccumulator();
        Include(local, Affine3.Identity);
        var box = local.ToBox();
        return
        [
            new(box.MinX, box.MinY, box.MinZ), new(box.MaxX, box.MinY, box.MinZ),
            new(box.MinX, box.MaxY, box.MinZ), new(box.MaxX, box.MaxY, box.MinZ),
            new(box.MinX, box.MinY, box.MaxZ), new(box.MaxX, box.MinY, box.MaxZ),
            new(box.MinX, box.MaxY, box.MaxZ), new(box.MaxX, box.MaxY, box.MaxZ),
        ];
    }

    private void IncludeEveryPoint(BoundsAccumulator bounds)
    {
        var scale = Affine3.Scale(_units.FileScale);
        for (var record = 0; record < _file.Count; record++)
        {
            if (_geometry.IsPoint(record) && _geometry.Point(record) is { } point)
            {
                bounds.Include(scale.Apply(point));
            }
        }
    }
}
