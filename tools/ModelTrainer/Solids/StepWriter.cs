using System.Globalization;
using System.Text;

namespace CadMl.ModelTrainer.Solids;

internal enum StepLengthUnit
{
    Millimetre,
    Inch,
    Metre,
}

/// <summary>
/// A placed <see cref="Brep"/> as an ISO 10303-21 file in the AP214 (automotive_design) schema,
/// laid out as CAD exporters write one part: application and product context, a product with its
/// definition and shape, and an ADVANCED_BREP_SHAPE_REPRESENTATION holding a MANIFOLD_SOLID_BREP
/// (CLOSED_SHELL of ADVANCED_FACEs on PLANE, CYLINDRICAL_SURFACE, CONICAL_SURFACE and
/// B_SPLINE_SURFACE_WITH_KNOTS, bounded by EDGE_LOOPs of ORIENTED_EDGEs over EDGE_CURVEs on LINEs,
/// CIRCLEs and B_SPLINE_CURVE_WITH_KNOTS between VERTEX_POINTs), in a
/// context whose length unit is millimetre, inch or metre (coordinates written in that unit).
/// </summary>
internal sealed class StepWriter
{
    private readonly StringBuilder _data = new();
    private readonly Placement _placement;
    private readonly double _unitMillimetres;
    private int _next = 1;

    private StepWriter(Placement placement, StepLengthUnit unit)
    {
        _placement = placement;
        _unitMillimetres = unit switch
        {
            StepLengthUnit.Inch => 25.4,
            StepLengthUnit.Metre => 1000,
            _ => 1,
        };
    }

    public static byte[] Write(Brep brep, Placement placement, string name, StepLengthUnit unit)
    {
        var writer = new StepWriter(placement, unit);
        var data = writer.Data(brep, name, unit);
        var text = new StringBuilder();
        text.Append("ISO-10303-21;\nHEADER;\n");
        text.Append("FILE_DESCRIPTION(('synthetic part for the CadMl classifier'),'2;1');\n");
        text.Append($"FILE_NAME('{name}.stp','2026-01-01T00:00:00',('cadml'),('cadml'),'cadml-model-trainer','cadml-model-trainer','');\n");
        text.Append("FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n");
        text.Append(data);
        text.Append("ENDSEC;\nEND-ISO-10303-21;\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private string Data(Brep brep, string name, StepLengthUnit unit)
    {
        var applicationContext = Add("APPLICATION_CONTEXT('core data for automotive mechanical design processes')");
        Add($"APPLICATION_PROTOCOL_DEFINITION('international standard','automotive_design',2000,{applicationContext})");
        var productContext = Add($"PRODUCT_CONTEXT('',{applicationContext},'mechanical')");
        var product = Add($"PRODUCT('{name}','{name}','',({productContext}))");
        var formation = Add($"PRODUCT_DEFINITION_FORMATION('','',{product})");
        var definitionContext = Add($"PRODUCT_DEFINITION_CONTEXT('part definition',{applicationContext},'design')");
        var definition = Add($"PRODUCT_DEFINITION('design','',{formation},{definitionContext})");
        var shape = Add($"PRODUCT_DEFINITION_SHAPE('','',{definition})");
        var context = Context(unit);

        var vertices = brep.Vertices.ToDictionary(v => v, v => Add($"VERTEX_POINT('',{Point(v.Point)})"));
        var edges = brep.Edges.ToDictionary(e => e, e => Add($"EDGE_CURVE('',{vertices[e.Start]},{vertices[e.End]},{Curve(e)},.T.)"));
        var faces = new List<string>();
        foreach (var face in brep.Faces)
        {
            var bounds = face.Loops.Select((loop, i) =>
            {
                var oriented = loop.Select(e => Add($"ORIENTED_EDGE('',*,*,{edges[e.Edge]},{Bool(e.Forward)})"));
                var edgeLoop = Add($"EDGE_LOOP('',({string.Join(",", oriented)}))");
                return Add($"{(i == 0 ? "FACE_OUTER_BOUND" : "FACE_BOUND")}('',{edgeLoop},.T.)");
            }).ToList();
            faces.Add(Add($"ADVANCED_FACE('',({string.Join(",", bounds)}),{Surface(face.Surface)},{Bool(face.SameSense)})"));
        }

        var shell = Add($"CLOSED_SHELL('',({string.Join(",", faces)}))");
        var solid = Add($"MANIFOLD_SOLID_BREP('{name}',{shell})");
        var origin = Placement(Frame.World, placed: false);
        var representation = Add($"ADVANCED_BREP_SHAPE_REPRESENTATION('{name}',({origin},{solid}),{context})");
        Add($"SHAPE_DEFINITION_REPRESENTATION({shape},{representation})");
        return _data.ToString();
    }

    private string Context(StepLengthUnit unit)
    {
        var millimetre = Add("( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) )");
        var length = unit switch
        {
            StepLengthUnit.Inch => Inch(millimetre),
            StepLengthUnit.Metre => Add("( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT($,.METRE.) )"),
            _ => millimetre,
        };
        var angle = Add("( NAMED_UNIT(*) PLANE_ANGLE_UNIT() SI_UNIT($,.RADIAN.) )");
        var solidAngle = Add("( NAMED_UNIT(*) SI_UNIT($,.STERADIAN.) SOLID_ANGLE_UNIT() )");
        var uncertainty = Add($"UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE({Real(1e-7 / _unitMillimetres)}),{length},'distance_accuracy_value','confusion accuracy')");
        return Add($"( GEOMETRIC_REPRESENTATION_CONTEXT(3) GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT(({uncertainty})) GLOBAL_UNIT_ASSIGNED_CONTEXT(({length},{angle},{solidAngle})) REPRESENTATION_CONTEXT('part','3D context with unit and uncertainty') )");
    }

    private string Inch(string millimetre)
    {
        var exponents = Add("DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.)");
        var factor = Add($"LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(25.4),{millimetre})");
        return Add($"( CONVERSION_BASED_UNIT('INCH',{factor}) LENGTH_UNIT() NAMED_UNIT({exponents}) )");
    }

    private string Curve(Edge edge)
    {
        if (edge.ControlPoints is { } control)
        {
            var (multiplicities, knots) = BSpline.KnotVector(control.Length);
            return Add($"B_SPLINE_CURVE_WITH_KNOTS('',{BSpline.Degree},({string.Join(",", control.Select(Point))}),.UNSPECIFIED.,.F.,.F.,({string.Join(",", multiplicities)}),({string.Join(",", knots.Select(Real))}),.UNSPECIFIED.)");
        }

        if (edge.Circle is { } circle)
        {
            return Add($"CIRCLE('',{Placement(circle, placed: true)},{Real(edge.Radius / _unitMillimetres)})");
        }

        var along = edge.End.Point - edge.Start.Point;
        var vector = Add($"VECTOR('',{Direction(along.Unit())},{Real(along.Length / _unitMillimetres)})");
        return Add($"LINE('',{Point(edge.Start.Point)},{vector})");
    }

    private string Surface(Surface surface)
    {
        if (surface.Grid is { } grid)
        {
            var (multiplicities, knots) = BSpline.KnotVector(grid.Length);
            var rows = grid.Select(row => $"({string.Join(",", row.Select(Point))})");
            return Add($"B_SPLINE_SURFACE_WITH_KNOTS('',{BSpline.Degree},1,({string.Join(",", rows)}),.UNSPECIFIED.,.F.,.F.,.F.,({string.Join(",", multiplicities)}),(2,2),({string.Join(",", knots.Select(Real))}),(0.,1.),.UNSPECIFIED.)");
        }

        var position = Placement(surface.Frame, placed: true);
        return surface.Kind switch
        {
            SurfaceKind.Plane => Add($"PLANE('',{position})"),
            SurfaceKind.Cylinder => Add($"CYLINDRICAL_SURFACE('',{position},{Real(surface.Radius / _unitMillimetres)})"),
            _ => Add($"CONICAL_SURFACE('',{position},{Real(surface.Radius / _unitMillimetres)},{Real(surface.SemiAngle)})"),
        };
    }

    private string Placement(Frame frame, bool placed)
    {
        var origin = placed ? Point(frame.Origin) : Add("CARTESIAN_POINT('',(0.,0.,0.))");
        var z = placed ? Direction(_placement.Direction(frame.Z)) : Add("DIRECTION('',(0.,0.,1.))");
        var x = placed ? Direction(_placement.Direction(frame.X)) : Add("DIRECTION('',(1.,0.,0.))");
        return Add($"AXIS2_PLACEMENT_3D('',{origin},{z},{x})");
    }

    private string Point(Vec3 p)
    {
        var q = (1 / _unitMillimetres) * _placement.Point(p);
        return Add($"CARTESIAN_POINT('',({Real(q.X)},{Real(q.Y)},{Real(q.Z)}))");
    }

    private string Direction(Vec3 d) => Add($"DIRECTION('',({Real(d.X)},{Real(d.Y)},{Real(d.Z)}))");

    private string Add(string instance)
    {
        var id = $"#{_next++}";
        _data.Append(id).Append('=').Append(instance).Append(";\n");
        return id;
    }

    private static string Bool(bool value) => value ? ".T." : ".F.";

    /// <summary>A Part 21 real always has a decimal point: 1. and 2.5E-07, never 1 or 2.5E-07 without one.</summary>
    private static string Real(double value)
    {
        var text = (value == 0 ? 0.0 : value).ToString("R", CultureInfo.InvariantCulture).Replace("E+", "E", StringComparison.Ordinal);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        var exponent = text.IndexOf('E', StringComparison.Ordinal);
        return exponent < 0 ? text + "." : text.Insert(exponent, ".");
    }
}
