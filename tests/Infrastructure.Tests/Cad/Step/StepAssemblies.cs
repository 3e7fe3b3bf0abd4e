using System.Globalization;
using System.Text;

namespace CadMl.Infrastructure.Tests.Cad.Step;

/// <summary>
/// Writes small but complete AP214 assemblies: a cuboid part with a real B-rep (vertices, lines,
/// planes, loops), products, and NEXT_ASSEMBLY_USAGE_OCCURRENCEs placed through
/// CONTEXT_DEPENDENT_SHAPE_REPRESENTATION and a representation relationship with an
/// ITEM_DEFINED_TRANSFORMATION, in either argument order. Geometrically consistent, so
/// OpenCASCADE reads them as a CAD system would.
/// </summary>
internal sealed class StepAssemblies
{
    private readonly StringBuilder _data = new();
    private int _next = 10;

    public StepAssemblies()
    {
        Line("#1 = ( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) );");
        Line("#2 = ( GEOMETRIC_REPRESENTATION_CONTEXT(3) GLOBAL_UNIT_ASSIGNED_CONTEXT((#1)) REPRESENTATION_CONTEXT('ctx','3D') );");
        Line("#3 = APPLICATION_CONTEXT('core data for automotive mechanical design processes');");
        Line("#4 = PRODUCT_CONTEXT('',#3,'mechanical');");
        Line("#5 = PRODUCT_DEFINITION_CONTEXT('part definition',#3,'design');");
    }

    /// <summary>A product whose shape is the cuboid [0,a]×[0,b]×[0,c]; returns (product definition, shape representation, origin placement).</summary>
    public (int Definition, int Shape, int Origin) Cuboid(string name, double a, double b, double c)
    {
        var z = Add("DIRECTION('',(0.,0.,1.))");
        var x = Add("DIRECTION('',(1.,0.,0.))");
        var origin = Add($"AXIS2_PLACEMENT_3D('',{E("CARTESIAN_POINT('',(0.,0.,0.))")},{R(z)},{R(x)})");
        var corners = new int[8];
        var points = new (double X, double Y, double Z)[8];
        for (var i = 0; i < 8; i++)
        {
            points[i] = ((i & 1) == 0 ? 0 : a, (i & 2) == 0 ? 0 : b, (i & 4) == 0 ? 0 : c);
            corners[i] = Add($"VERTEX_POINT('',{E($"CARTESIAN_POINT('',({N(points[i].X)},{N(points[i].Y)},{N(points[i].Z)}))")})");
        }

        var edges = new Dictionary<(int, int), int>();
        int Edge(int from, int to)
        {
            var key = from < to ? (from, to) : (to, from);
            if (!edges.TryGetValue(key, out var edge))
            {
                var (p, q) = (points[key.Item1], points[key.Item2]);
                var direction = Add($"DIRECTION('',({N(q.X - p.X)},{N(q.Y - p.Y)},{N(q.Z - p.Z)}))");
                var line = Add($"LINE('',{E($"CARTESIAN_POINT('',({N(p.X)},{N(p.Y)},{N(p.Z)}))")},{E($"VECTOR('',{R(direction)},1.)")})");
                edge = Add($"EDGE_CURVE('',{R(corners[key.Item1])},{R(corners[key.Item2])},{R(line)},.T.)");
                edges[key] = edge;
            }

            return edge;
        }

        // Each face: four corners in order, and its plane (point, normal, reference direction).
        int[][] loops = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]];
        (double, double, double)[] normals = [(0, 0, -1), (0, 0, 1), (0, -1, 0), (0, 1, 0), (-1, 0, 0), (1, 0, 0)];
        var faces = new List<int>();
        for (var f = 0; f < 6; f++)
        {
            var loop = loops[f];
            var oriented = new List<int>();
            for (var k = 0; k < 4; k++)
            {
                var (from, to) = (loop[k], loop[(k + 1) % 4]);
                oriented.Add(Add($"ORIENTED_EDGE('',*,*,{R(Edge(from, to))},{(from < to ? ".T." : ".F.")})"));
            }

            var p = points[loop[0]];
            var (nx, ny, nz) = normals[f];
            var reference = nx != 0 ? "(0.,1.,0.)" : "(1.,0.,0.)";
            var plane = Add($"PLANE('',{E($"AXIS2_PLACEMENT_3D('',{E($"CARTESIAN_POINT('',({N(p.X)},{N(p.Y)},{N(p.Z)}))")},{E($"DIRECTION('',({N(nx)},{N(ny)},{N(nz)}))")},{E($"DIRECTION('',{reference})")})")})");
            var bound = Add($"FACE_OUTER_BOUND('',{E($"EDGE_LOOP('',({string.Join(',', oriented.Select(R))}))")},.T.)");
            faces.Add(Add($"ADVANCED_FACE('',({R(bound)}),{R(plane)},.T.)"));
        }

        var solid = Add($"MANIFOLD_SOLID_BREP('{name}',{E($"CLOSED_SHELL('',({string.Join(',', faces.Select(R))}))")})");
        var shape = Add($"ADVANCED_BREP_SHAPE_REPRESENTATION('{name}',({R(solid)},{R(origin)}),#2)");
        return (Product(name, shape), shape, origin);
    }

    /// <summary>An assembly product with an empty shape representation holding only its origin; returns like <see cref="Cuboid"/>.</summary>
    public (int Definition, int Shape, int Origin) Assembly(string name)
    {
        var origin = Add($"AXIS2_PLACEMENT_3D('',{E("CARTESIAN_POINT('',(0.,0.,0.))")},{E("DIRECTION('',(0.,0.,1.))")},{E("DIRECTION('',(1.,0.,0.))")})");
        var shape = Add($"SHAPE_REPRESENTATION('{name}',({R(origin)}),#2)");
        return (Product(name, shape), shape, origin);
    }

    /// <summary>
    /// Places <paramref name="child"/> in <paramref name="parent"/> at <paramref name="at"/> with
    /// the given z and x axes. <paramref name="parentFirst"/> writes rep_1 = the assembly and the
    /// transformation from the placement to the child's origin, as some exporters do.
    /// </summary>
    public void Place(
        (int Definition, int Shape, int Origin) parent,
        (int Definition, int Shape, int Origin) child,
        (double X, double Y, double Z) at,
        (double X, double Y, double Z) zAxis,
        (double X, double Y, double Z) xAxis,
        bool parentFirst)
    {
        var placement = Add($"AXIS2_PLACEMENT_3D('',{E($"CARTESIAN_POINT('',({N(at.X)},{N(at.Y)},{N(at.Z)}))")},{E($"DIRECTION('',({N(zAxis.X)},{N(zAxis.Y)},{N(zAxis.Z)}))")},{E($"DIRECTION('',({N(xAxis.X)},{N(xAxis.Y)},{N(xAxis.Z)}))")})");
        AddItem(parent.Shape, placement);
        var usage = Add($"NEXT_ASSEMBLY_USAGE_OCCURRENCE('{_next}','','',{R(parent.Definition)},{R(child.Definition)},$)");
        var transformation = parentFirst
            ? Add($"ITEM_DEFINED_TRANSFORMATION('','',{R(placement)},{R(child.Origin)})")
            : Add($"ITEM_DEFINED_TRANSFORMATION('','',{R(child.Origin)},{R(placement)})");
        var (rep1, rep2) = parentFirst ? (parent.Shape, child.Shape) : (child.Shape, parent.Shape);
        var relationship = Add($"( REPRESENTATION_RELATIONSHIP('','',{R(rep1)},{R(rep2)}) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION({R(transformation)}) SHAPE_REPRESENTATION_RELATIONSHIP() )");
        Add($"CONTEXT_DEPENDENT_SHAPE_REPRESENTATION({R(relationship)},{E($"PRODUCT_DEFINITION_SHAPE('','',{R(usage)})")})");
    }

    public string Text() =>
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('assembly','2026-01-01T00:00:00',(''),(''),'','','');\n"
        + "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n"
        + ExpandItems(_data.ToString()) + "ENDSEC;\nEND-ISO-10303-21;\n";

    public byte[] Bytes() => Encoding.ASCII.GetBytes(Text());

    private readonly Dictionary<int, List<int>> _extraItems = [];

    private void AddItem(int shape, int item)
    {
        if (!_extraItems.TryGetValue(shape, out var items))
        {
            items = [];
            _extraItems[shape] = items;
        }

        items.Add(item);
    }

    /// <summary>Placements are added to an assembly's representation after it was written, so its item list is completed at the end.</summary>
    private string ExpandItems(string data)
    {
        foreach (var (shape, items) in _extraItems)
        {
            var marker = $"#{shape} = SHAPE_REPRESENTATION(";
            var start = data.IndexOf(marker, StringComparison.Ordinal);
            var close = data.IndexOf("),#2)", start, StringComparison.Ordinal);
            data = data[..close] + string.Concat(items.Select(i => "," + R(i))) + data[close..];
        }

        return data;
    }

    private int Product(string name, int shape)
    {
        var product = Add($"PRODUCT('{name}','{name}','',(#4))");
        var definition = Add($"PRODUCT_DEFINITION('design','',{E($"PRODUCT_DEFINITION_FORMATION('','',{R(product)})")},#5)");
        Add($"SHAPE_DEFINITION_REPRESENTATION({E($"PRODUCT_DEFINITION_SHAPE('','',{R(definition)})")},{R(shape)})");
        return definition;
    }

    private string E(string entity) => R(Add(entity));

    private int Add(string entity)
    {
        var id = _next++;
        Line($"#{id} = {entity};");
        return id;
    }

    private void Line(string text) => _data.Append(text).Append('\n');

    private static string R(int id) => "#" + id.ToString(CultureInfo.InvariantCulture);

    private static string N(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".";
    }
}
