namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// AutoCAD's built-in arrowheads (DIMBLK/DIMLDRBLK names without their leading underscore) as
/// geometry: drawn with the tip at the leader's first vertex, pointing away from the second, scaled
/// by the arrow size. The shapes are those ezdxf renders (render/arrows.py), which follow AutoCAD's
/// blocks of the same names; filled and blank variants share an outline. Wide polylines (the dots,
/// the architectural tick) are measured by their centre line, as every polyline is (FEATURES.md).
/// </summary>
internal static class DxfArrowheads
{
    /// <summary>The default arrow has no block and no name: DIMLDRBLK 0, or a handle to nothing.</summary>
    public const string ClosedFilled = "";

    /// <summary>Half the opening angle of the closed and open arrows: ezdxf's 18.924644° (AutoCAD's 1:3 arrow).</summary>
    private static readonly double ArrowHalfHeight = Math.Sin(18.924644 / 2 * Math.PI / 180);

    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ClosedFilled, "CLOSEDBLANK", "CLOSED", "DOT", "ARCHTICK", "OBLIQUE", "OPEN", "ORIGIN", "ORIGIN2", "OPEN90", "OPEN30",
        "DOTSMALL", "DOTBLANK", "SMALL", "BOXBLANK", "BOXFILLED", "DATUMBLANK", "DATUMFILLED", "INTEGRAL", "NONE",
    };

    /// <summary>Arrows drawn around the vertex rather than behind it: a MULTILEADER's line starts at the vertex, not one arrow length back.</summary>
    private static readonly HashSet<string> CentredOnVertex = new(StringComparer.OrdinalIgnoreCase)
    {
        "ARCHTICK", "OBLIQUE", "DOTSMALL", "SMALL", "INTEGRAL", "NONE",
    };

    public static bool IsBuiltIn(string name) => Names.Contains(name);

    /// <summary>
    /// The arrow a block name stands for: AutoCAD stores a built-in arrow as a block named "_DOT",
    /// "_ArchTick" …; any other name is a user block used as the arrow.
    /// </summary>
    public static string ArrowName(string blockName)
    {
        if (blockName.StartsWith('_'))
        {
            var rest = blockName[1..];
            if (rest.Equals("CLOSEDFILLED", StringComparison.OrdinalIgnoreCase))
            {
                return ClosedFilled;
            }

            if (rest.Length > 0 && Names.Contains(rest))
            {
                return rest.ToUpperInvariant();
            }
        }

        return blockName;
    }

    /// <summary>How far back along the leader the arrow reaches, where the leader line itself starts.</summary>
    public static double Length(string name, double size) => CentredOnVertex.Contains(name) ? 0 : size;

    /// <summary>Draws built-in arrow <paramref name="name"/>; false when the name is not a built-in arrow.</summary>
    public static bool Draw(string name, GeometrySink sink, Vec3 tip, double angle, double size)
    {
        if (!Names.Contains(name))
        {
            return false;
        }

        var place = new Placement(tip, angle);
        var s = size;
        switch (name.ToUpperInvariant())
        {
            case ClosedFilled or "CLOSEDBLANK" or "CLOSED" or "OPEN":
                place.Triangle(sink, s, s * ArrowHalfHeight);
                break;
            case "OPEN30":
                place.Triangle(sink, s, s * Math.Sin(15 * Math.PI / 180));
                break;
            case "OPEN90":
                place.Triangle(sink, s, s * Math.Sin(45 * Math.PI / 180));
                break;
            case "DOT":
                place.Circle(sink, 0, 0, s / 4);
                place.Line(sink, -s / 2, 0, -s, 0);
                break;
            case "DOTSMALL":
                place.Circle(sink, 0, 0, s / 16);
                break;
            case "DOTBLANK":
                place.Circle(sink, 0, 0, s / 2);
                place.Line(sink, -s / 2, 0, -s, 0);
                break;
            case "SMALL":
                place.Circle(sink, 0, 0, s / 4);
                break;
            case "ORIGIN":
                place.Circle(sink, 0, 0, s / 2);
                place.Line(sink, 0, 0, -s, 0);
                break;
            case "ORIGIN2":
                place.Circle(sink, 0, 0, s / 2);
                place.Circle(sink, 0, 0, s / 4);
                place.Line(sink, -s / 2, 0, -s, 0);
                break;
            case "OBLIQUE" or "ARCHTICK":
                place.Line(sink, -s / 2, -s / 2, s / 2, s / 2);
                break;
            case "BOXBLANK" or "BOXFILLED":
                place.Line(sink, -s / 2, -s / 2, s / 2, s / 2);
                place.Line(sink, s / 2, -s / 2, -s / 2, s / 2);
                place.Line(sink, -s / 2, 0, -s, 0);
                break;
            case "DATUMBLANK" or "DATUMFILLED":
            {
                var d = s * Math.Tan(Math.PI / 6);
                place.Line(sink, 0, d, 0, -d);
                place.Point(sink, -s, 0);
                break;
            }

            case "INTEGRAL":
            {
                var r = s * 0.3535534;
                place.Arc(sink, -r, 0, r, -Math.PI / 2, Math.PI / 2);
                place.Arc(sink, r, 0, r, Math.PI / 2, Math.PI / 2);
                break;
            }
        }

        return true;
    }

    /// <summary>Arrow coordinates (tip at the origin, pointing along +x) rotated by the leader's angle onto its first vertex.</summary>
    private readonly struct Placement(Vec3 tip, double angle)
    {
        private readonly double _cos = Math.Cos(angle);
        private readonly double _sin = Math.Sin(angle);

        public void Triangle(GeometrySink sink, double length, double halfHeight)
        {
            sink.Point(At(0, 0));
            sink.Point(At(-length, halfHeight));
            sink.Point(At(-length, -halfHeight));
        }

        public void Point(GeometrySink sink, double x, double y) => sink.Point(At(x, y));

        public void Line(GeometrySink sink, double x0, double y0, double x1, double y1)
        {
            sink.Point(At(x0, y0));
            sink.Point(At(x1, y1));
        }

        public void Circle(GeometrySink sink, double cx, double cy, double radius) =>
            Arc(sink, cx, cy, radius, 0, EllipticArc.FullTurn);

        public void Arc(GeometrySink sink, double cx, double cy, double radius, double start, double span) =>
            sink.Arc(new EllipticArc(At(cx, cy), new Vec3(radius, 0, 0), new Vec3(0, radius, 0), start + angle, span));

        private Vec3 At(double x, double y) => tip + Direction(x, y);

        private Vec3 Direction(double x, double y) => new((x * _cos) - (y * _sin), (x * _sin) + (y * _cos), 0);
    }
}
