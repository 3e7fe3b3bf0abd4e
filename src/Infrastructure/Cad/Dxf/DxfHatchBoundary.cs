namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// HATCH boundary paths. The same codes mean different things in different parts of a HATCH
/// (10/20 is the elevation point, then boundary vertices and edge points, then seed points), so
/// the parts are tracked as a small state machine. Counts in the file (91 paths, 93 edges, 96
/// control points) are never used to size anything: a claim costs nothing until the data is there.
/// </summary>
internal sealed class DxfHatchBoundary(DxfLocalOutline outline)
{
    private HatchState _hatch;

    // Spline edges: control points (10/20) and fit points (11/21), as (x, y, 0) triples.
    private double[] _control = [];
    private int _controlCount;
    private double[] _fit = [];
    private int _fitCount;

    /// <summary>The boundary's elevation (the z of its elevation point, code 30).</summary>
    public double Elevation => _hatch.Elevation;

    public void Reset()
    {
        _hatch = default;
        _controlCount = 0;
        _fitCount = 0;
    }

    private enum HatchStage : byte
    {
        /// <summary>Before 91: elevation point, extrusion, pattern name.</summary>
        Header,

        /// <summary>Between 91 and the pattern data (75).</summary>
        Boundary,

        /// <summary>Pattern definition and seed points: no boundary geometry.</summary>
        Pattern,
    }

    private struct HatchState
    {
        public HatchStage Stage;
        public double Elevation;
        public bool InPath;
        public bool PathDone;
        public bool PolylinePath;
        public bool Closed;
        public int EdgeType;
        public double X10, Y10, X11, Y11, R40, A50, A51;
        public bool Ccw;
    }

    /// <summary>Reads one HATCH tag; false for the extrusion (210/220/230), which the entity's own fields keep.</summary>
    public bool Tag(ref DxfTagReader tags)
    {
        var code = tags.Code;
        switch (_hatch.Stage)
        {
            case HatchStage.Header:
                switch (code)
                {
                    case 30:
                        _hatch.Elevation = tags.GetDouble();
                        break;
                    case 210 or 220 or 230:
                        return false;
                    case 91:
                        _hatch.Stage = HatchStage.Boundary;
                        break;
                }

                return true;
            case HatchStage.Pattern:
                return true;
        }

        switch (code)
        {
            case 92:
                FinishHatchPath();
                _hatch.InPath = true;
                _hatch.PathDone = false;
                _hatch.PolylinePath = (tags.GetInteger() & 2) != 0;
                _hatch.Closed = false;
                _hatch.EdgeType = 0;
                return true;
            case 75 or 76 or 98:
                FinishHatchPath();
                _hatch.Stage = HatchStage.Pattern;
                return true;
        }

        if (!_hatch.InPath || _hatch.PathDone)
        {
            return true;
        }

        if (_hatch.PolylinePath)
        {
            switch (code)
            {
                case 73:
                    _hatch.Closed = tags.GetInteger() != 0;
                    break;
                case 97:
                    FinishHatchPath();
                    _hatch.PathDone = true;
                    break;
                default:
                    // 10/20 a vertex, 42 its bulge.
                    _ = DxfCoordinates.ReadPointTag(ref tags, 10, 20, 42, ref _control, ref _controlCount);
                    break;
            }

            return true;
        }

        if (code == 72)
        {
            FinishHatchEdge();
            _hatch.EdgeType = (int)tags.GetInteger();
            _hatch.Ccw = true;
            _hatch.X10 = _hatch.Y10 = _hatch.X11 = _hatch.Y11 = _hatch.R40 = _hatch.A50 = _hatch.A51 = 0;
            return true;
        }

        if (_hatch.EdgeType == 4)
        {
            // Spline edge: 10/20 control points, 11/21 fit points; 40 are knots, 42 weights, and a
            // 97 here counts fit points rather than ending the path.
            _ = DxfCoordinates.ReadPointTag(ref tags, 10, 20, DxfCoordinates.NoCode, ref _control, ref _controlCount)
                || DxfCoordinates.ReadPointTag(ref tags, 11, 21, DxfCoordinates.NoCode, ref _fit, ref _fitCount);

            return true;
        }

        switch (code)
        {
            case 10:
                _hatch.X10 = tags.GetDouble();
                break;
            case 20:
                _hatch.Y10 = tags.GetDouble();
                break;
            case 11:
                _hatch.X11 = tags.GetDouble();
                break;
            case 21:
                _hatch.Y11 = tags.GetDouble();
                break;
            case 40:
                _hatch.R40 = tags.GetDouble();
                break;
            case 50:
                _hatch.A50 = tags.GetDouble();
                break;
            case 51:
                _hatch.A51 = tags.GetDouble();
                break;
            case 73:
                _hatch.Ccw = tags.GetInteger() != 0;
                break;
            case 97:
                FinishHatchEdge();
                _hatch.PathDone = true;
                break;
        }

        return true;
    }

    public void Finish()
    {
        FinishHatchPath();
        _hatch.InPath = false;
    }

    private void FinishHatchPath()
    {
        if (!_hatch.InPath || _hatch.PathDone)
        {
            return;
        }

        if (_hatch.PolylinePath)
        {
            outline.Polyline(_control, _controlCount, 3, _hatch.Closed);
            _controlCount = 0;
        }
        else
        {
            FinishHatchEdge();
        }

        _hatch.PathDone = true;
    }

    /// <summary>
    /// Clockwise arc and ellipse edges store complementary angles (360 − a); ezdxf turns them
    /// into the counter-clockwise arc from 360 − end to 360 − start, and so does this reader.
    /// </summary>
    private void FinishHatchEdge()
    {
        ref var h = ref _hatch;
        switch (h.EdgeType)
        {
            case 1:
                outline.Point(h.X10, h.Y10);
                outline.Point(h.X11, h.Y11);
                break;
            case 2:
            {
                var r = Math.Abs(h.R40);
                if (r > 1e-12 || double.IsNaN(r))
                {
                    var (start, end) = h.Ccw ? (h.A50, h.A51) : (360 - h.A51, 360 - h.A50);
                    var s = start * DxfCoordinates.DegreesToRadians;
                    outline.Arc(new DxfLocalOutline.LocalArc(h.X10, h.Y10, r, 0, 0, r, s, EllipticArc.SpanOf(s, end * DxfCoordinates.DegreesToRadians)));
                }

                break;
            }

            case 3:
            {
                if (h.X11 == 0 && h.Y11 == 0)
                {
                    break;
                }

                var ratio = h.R40;
                var (start, end) = h.Ccw ? (h.A50, h.A51) : (360 - h.A51, 360 - h.A50);
                var p0 = AngleToParameter(ratio, start * DxfCoordinates.DegreesToRadians);
                var p1 = AngleToParameter(ratio, end * DxfCoordinates.DegreesToRadians);
                outline.Arc(new DxfLocalOutline.LocalArc(h.X10, h.Y10, h.X11, h.Y11, -h.Y11 * ratio, h.X11 * ratio, p0, EllipticArc.SpanOf(p0, p1)));
                break;
            }

            case 4:
            {
                var (points, count) = _controlCount > 0 ? (_control, _controlCount) : (_fit, _fitCount);
                for (var i = 0; i + 2 < count; i += 3)
                {
                    outline.Point(points[i], points[i + 1]);
                }

                _controlCount = 0;
                _fitCount = 0;
                break;
            }
        }

        h.EdgeType = 0;
    }

    // Edge angles of elliptic hatch edges are geometric angles; the curve needs the parameter
    // (the same conversion as ezdxf's angle_to_param).
    private static double AngleToParameter(double ratio, double angle)
    {
        if (ratio == 0)
        {
            return angle;
        }

        var (sin, cos) = Math.SinCos(angle);
        return EllipticArc.Normalize(Math.Atan2(sin / ratio, cos));
    }
}
