namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// Planar geometry in an entity's object coordinate system (LWPOLYLINE, 2D POLYLINE, HATCH
/// boundaries): vertices and bulge arcs kept in OCS coordinates and mapped to world coordinates
/// once the extrusion and elevation are known (LWPOLYLINE writes its extrusion after its vertices).
/// The buffers are reused from entity to entity.
/// </summary>
internal sealed class DxfLocalOutline
{
    private double[] _points = [];
    private int _pointCount;
    private LocalArc[] _arcs = [];
    private int _arcCount;
    private double[] _segments = [];
    private int _segmentCount;

    /// <summary>c + u·cos t + v·sin t in OCS coordinates, t from <see cref="Start"/> through <see cref="Span"/>.</summary>
    public readonly record struct LocalArc(double Cx, double Cy, double Ux, double Uy, double Vx, double Vy, double Start, double Span);

    public void Clear()
    {
        _pointCount = 0;
        _arcCount = 0;
        _segmentCount = 0;
    }

    public void Point(double x, double y)
    {
        if (_pointCount + 2 > _points.Length)
        {
            Array.Resize(ref _points, Math.Max(32, _points.Length * 2));
        }

        _points[_pointCount++] = x;
        _points[_pointCount++] = y;
    }

    public void Arc(in LocalArc arc)
    {
        if (_arcCount == _arcs.Length)
        {
            Array.Resize(ref _arcs, Math.Max(8, _arcs.Length * 2));
        }

        _arcs[_arcCount++] = arc;
    }

    /// <summary>
    /// Vertices (x, y, bulge) at <paramref name="stride"/> into points and bulge arcs. A bulge b on a
    /// segment is an arc of included angle 4·atan(b), counter-clockwise for b &gt; 0. With
    /// <paramref name="straightEdges"/> the straight segments (bulge 0, the closing one included)
    /// are also kept as edges for the v5 digest; a hatch boundary leaves them out, because it
    /// usually retraces lines the drawing already has.
    /// </summary>
    public void Polyline(double[] vertices, int length, int stride, bool closed, bool straightEdges = false)
    {
        var n = length / stride;
        for (var k = 0; k < n; k++)
        {
            var x1 = vertices[k * stride];
            var y1 = vertices[(k * stride) + 1];
            Point(x1, y1);
            var last = k == n - 1;
            if (last && !closed)
            {
                break;
            }

            var next = last ? 0 : k + 1;
            var bulge = vertices[(k * stride) + 2];
            if (bulge != 0)
            {
                BulgeArc(x1, y1, vertices[next * stride], vertices[(next * stride) + 1], bulge);
            }
            else if (straightEdges)
            {
                StraightEdge(x1, y1, vertices[next * stride], vertices[(next * stride) + 1]);
            }
        }
    }

    private void StraightEdge(double x1, double y1, double x2, double y2)
    {
        if ((_segmentCount + 1) * 4 > _segments.Length)
        {
            Array.Resize(ref _segments, Math.Max(32, _segments.Length * 2));
        }

        var i = _segmentCount++ * 4;
        (_segments[i], _segments[i + 1], _segments[i + 2], _segments[i + 3]) = (x1, y1, x2, y2);
    }

    /// <summary>Maps everything collected to world coordinates at <paramref name="elevation"/> and starts over.</summary>
    public void EmitTo(GeometrySink sink, Ocs ocs, double elevation)
    {
        for (var i = 0; i + 1 < _pointCount; i += 2)
        {
            sink.Point(ocs.ToWcs(_points[i], _points[i + 1], elevation));
        }

        for (var i = 0; i < _arcCount; i++)
        {
            ref readonly var a = ref _arcs[i];
            sink.Arc(new EllipticArc(
                ocs.ToWcs(a.Cx, a.Cy, elevation),
                ocs.DirectionToWcs(a.Ux, a.Uy, 0),
                ocs.DirectionToWcs(a.Vx, a.Vy, 0),
                a.Start,
                a.Span));
        }

        for (var i = 0; i < _segmentCount * 4; i += 4)
        {
            sink.Segment(ocs.ToWcs(_segments[i], _segments[i + 1], elevation), ocs.ToWcs(_segments[i + 2], _segments[i + 3], elevation));
        }

        Clear();
    }

    private void BulgeArc(double x1, double y1, double x2, double y2, double bulge)
    {
        var dx = x2 - x1;
        var dy = y2 - y1;
        if (dx == 0 && dy == 0)
        {
            return;
        }

        // Centre = chord midpoint + left normal · (1 − b²)/(4b) · chord length (signed by b).
        var k = (1 - (bulge * bulge)) / (4 * bulge);
        var cx = ((x1 + x2) / 2) - (dy * k);
        var cy = ((y1 + y2) / 2) + (dx * k);
        var r = Math.Sqrt(((x1 - cx) * (x1 - cx)) + ((y1 - cy) * (y1 - cy)));
        var a1 = Math.Atan2(y1 - cy, x1 - cx);
        var a2 = Math.Atan2(y2 - cy, x2 - cx);
        var span = 4 * Math.Atan(Math.Abs(bulge));
        Arc(new LocalArc(cx, cy, r, 0, 0, r, bulge > 0 ? a1 : a2, span));
    }
}

/// <summary>Growable (x, y, z) coordinate lists of the entity being read; codes 10/20/30 fill them in order.</summary>
internal static class DxfCoordinates
{
    public const double DegreesToRadians = Math.PI / 180;

    public static void Append(ref double[] buffer, ref int count, double a, double b, double c)
    {
        if (count + 3 > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(48, buffer.Length * 2));
        }

        buffer[count] = a;
        buffer[count + 1] = b;
        buffer[count + 2] = c;
        count += 3;
    }

    /// <summary>No group code: a point list whose points have no third value.</summary>
    public const int NoCode = int.MinValue;

    /// <summary>
    /// One tag of a point list written as x, y and a third value per point (z, or a bulge): the x
    /// code starts a point (y and the third value 0 until their tags come), the y and third codes
    /// fill in the last point (ignored before the first x). False when the tag is none of the
    /// three, for the caller to read as something else.
    /// </summary>
    public static bool ReadPointTag(ref DxfTagReader tags, int xCode, int yCode, int thirdCode, ref double[] points, ref int count)
    {
        var code = tags.Code;
        if (code == xCode)
        {
            Append(ref points, ref count, tags.GetDouble(), 0, 0);
            return true;
        }

        var offset = code == yCode ? 2 : code == thirdCode ? 1 : 0;
        if (offset == 0)
        {
            return false;
        }

        if (count >= 3)
        {
            points[count - offset] = tags.GetDouble();
        }

        return true;
    }
}
