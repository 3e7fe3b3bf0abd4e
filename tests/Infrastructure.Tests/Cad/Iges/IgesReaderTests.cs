using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Iges;

namespace CadMl.Infrastructure.Tests.Cad.Iges;

public sealed class IgesReaderTests
{
    private readonly IgesReader _reader = new();

    [Theory]
    [InlineData(2, "2HMM", 1.0, "2")]
    [InlineData(1, "4HINCH", 25.4, "1")]
    [InlineData(3, "4HINCH", 25.4, "3")]
    [InlineData(6, "1HM", 1000.0, "6")]
    [InlineData(10, "2HCM", 10.0, "10")]
    [InlineData(null, "4HINCH", 25.4, "default (inch)")]
    public void Coordinates_are_converted_from_the_global_units_flag_to_millimetres(int? flag, string name, double millimetres, string fact)
    {
        var iges = new IgesBuilder { UnitsFlag = flag, UnitsName = name };
        iges.Add(116, "1.,2.,3.,0");
        iges.Add(110, "-1.,0.,0.5,4.,0.,0.");

        var document = Read(iges);

        document.Bounds.Should().Be(new BoundingBox(-1 * millimetres, 0, 0, 4 * millimetres, 2 * millimetres, 3 * millimetres));
        document.Metadata.Units.Should().Be("mm");
        document.Metadata.Facts!["units_flag"].Should().Be(fact);
    }

    [Fact]
    public void A_point_is_moved_by_its_transformation_matrix_and_the_matrices_that_one_refers_to()
    {
        var iges = new IgesBuilder();
        var shift = iges.Add(124, "1.,0.,0.,100.,0.,1.,0.,0.,0.,0.,1.,0.");

        // A quarter turn about z, then (10,20,30), then the shift the matrix itself points to.
        var turn = iges.Add(124, "0.,-1.,0.,10.,1.,0.,0.,20.,0.,0.,1.,30.", transform: shift);
        iges.Add(116, "1.,0.,0.,0", transform: turn);

        Read(iges).Bounds.Should().Be(new BoundingBox(110, 21, 30, 110, 21, 30));
    }

    [Fact]
    public void An_arc_contributes_its_true_extents_at_its_depth_after_its_transformation()
    {
        var plain = new IgesBuilder();
        plain.Add(100, "5.,0.,0.,1.,0.,-1.,0.");
        Read(plain).Bounds.Should().Be(new BoundingBox(-1, 0, 5, 1, 1, 5));

        var turned = new IgesBuilder();
        var turn = turned.Add(124, "0.,-1.,0.,0.,1.,0.,0.,0.,0.,0.,1.,0.");
        turned.Add(100, "5.,0.,0.,1.,0.,-1.,0.", transform: turn);
        var bounds = Read(turned).Bounds;
        bounds.MinX.Should().BeApproximately(-1, 1e-15);
        bounds.MaxX.Should().BeApproximately(0, 1e-15);
        bounds.MinY.Should().BeApproximately(-1, 1e-15);
        bounds.MaxY.Should().BeApproximately(1, 1e-15);
        bounds.MinZ.Should().Be(5);
    }

    [Fact]
    public void A_full_circle_is_an_arc_whose_start_is_its_end()
    {
        var iges = new IgesBuilder();
        iges.Add(100, "0.,10.,10.,12.,10.,12.,10.");

        Read(iges).Bounds.Should().Be(new BoundingBox(8, 8, 0, 12, 12, 0));
    }

    [Fact]
    public void Parameter_space_curves_of_a_trimmed_surface_do_not_count_as_geometry()
    {
        var iges = new IgesBuilder();
        const string dependent = "00010000";
        var surface = iges.Add(128, "1,1,1,1,0,0,1,0,0,0.,0.,1.,1.,0.,0.,1.,1.,1.,1.,1.,1.,0.,0.,2.,3.,0.,2.,0.,4.,2.,3.,4.,2.,0.,1.,0.,1.", status: dependent);
        var uv1 = iges.Add(110, "0.,0.,0.,500.,0.,0.", status: dependent);
        var uv2 = iges.Add(110, "500.,0.,0.,500.,500.,0.", status: dependent);
        var uv = iges.Add(102, $"2,{uv1},{uv2}", status: dependent);
        var model1 = iges.Add(110, "0.,0.,2.,3.,0.,2.", status: dependent);
        var model2 = iges.Add(110, "3.,0.,2.,3.,4.,2.", status: dependent);
        var model = iges.Add(102, $"2,{model1},{model2}", status: dependent);
        var boundary = iges.Add(142, $"0,{surface},{uv},{model},3", status: "00010500");
        iges.Add(144, $"{surface},1,0,{boundary}");

        var document = Read(iges);

        document.Bounds.Should().Be(new BoundingBox(0, 0, 2, 3, 4, 2));
        document.Brep!.Faces.Should().Be(1);
        document.Brep.SurfaceTypes.Should().Equal(new NamedCount("bspline", 1));
    }

    [Fact]
    public void A_manifold_solid_is_counted_and_bounded_by_its_model_space_edges_and_vertices()
    {
        var iges = new IgesBuilder();
        var location = iges.Add(116, "-900.,-900.,-900.,0", status: "00010000");
        var normal = iges.Add(123, "0.,0.,1.", status: "00010200");
        var plane = iges.Add(190, $"{location},{normal}", status: "00010000");
        var vertices = iges.Add(502, "2,0.,0.,0.,6.,1.,-2.", status: "00010000");
        var edgeCurve = iges.Add(110, "0.,0.,0.,6.,1.,-2.", status: "00010000");
        var edges = iges.Add(504, $"1,{edgeCurve},{vertices},1,{vertices},2", status: "00010000");
        var parameterCurve = iges.Add(110, "0.,0.,0.,777.,777.,0.", status: "00010500");
        var loop = iges.Add(508, $"1,0,{edges},1,1,1,0,{parameterCurve}", status: "00010000");
        var face = iges.Add(510, $"{plane},1,1,{loop}", status: "00010000");
        var shell = iges.Add(514, $"1,{face},1", status: "00010000");
        iges.Add(186, $"{shell},1,0");

        var document = Read(iges);

        document.Metadata.Solids.Should().Be(1);
        document.Brep!.Faces.Should().Be(1);
        document.Brep.SurfaceTypes.Should().Equal(new NamedCount("plane", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, -2, 6, 1, 0), "the plane's location point and the loop's parameter-space curve are not model geometry");
    }

    [Fact]
    public void Bounded_surfaces_and_surfaces_of_revolution_are_faces_with_their_types()
    {
        var iges = new IgesBuilder();
        var axis = iges.Add(110, "0.,0.,-100.,0.,0.,100.", status: "00010000");
        var generatrix = iges.Add(110, "1.,0.,0.,1.,0.,2.", status: "00010000");
        var revolution = iges.Add(120, $"{axis},{generatrix},0.,6.283185307", status: "00010000");
        iges.Add(143, $"0,{revolution},0");
        var cylinder = iges.Add(192, "0,0,5.", status: "00010000");
        iges.Add(144, $"{cylinder},0,0,0");

        var document = Read(iges);

        document.Brep!.Faces.Should().Be(2);
        document.Brep.SurfaceTypes.Should().Equal(new NamedCount("surface_of_revolution", 1), new NamedCount("cylinder", 1));
        document.Bounds.Should().Be(new BoundingBox(1, 0, 0, 1, 0, 2), "the axis of revolution is a construction line");
    }

    [Fact]
    public void Kinds_are_entity_type_names_and_layers_are_non_zero_levels()
    {
        var iges = new IgesBuilder();
        var levels = iges.Add(406, "2,5,9", form: 1);
        iges.Add(110, "0.,0.,0.,1.,0.,0.", level: 3);
        iges.Add(110, "0.,0.,0.,1.,1.,0.", level: 3);
        iges.Add(116, "0.,0.,0.,0", level: 7);
        iges.Add(116, "2.,0.,0.,0", level: -levels);
        iges.Add(999, "1,2,3");
        iges.Add(314, "10.,20.,30.,3Hred");

        var document = Read(iges);

        document.Kinds.Should().Equal(
            new NamedCount("PROPERTY", 1),
            new NamedCount("LINE", 2),
            new NamedCount("POINT", 2),
            new NamedCount("TYPE_999", 1),
            new NamedCount("COLOR", 1));
        document.Layers.Should().Equal(new NamedCount("3", 2), new NamedCount("7", 1), new NamedCount("5", 1), new NamedCount("9", 1));
        document.Metadata.Solids.Should().Be(0);
    }

    [Fact]
    public void Subfigure_instances_place_their_definition_with_scale_and_offset()
    {
        var iges = new IgesBuilder();
        var line = iges.Add(110, "0.,0.,0.,1.,0.,0.", status: "00010000");
        var definition = iges.Add(308, $"0,4Hbolt,1,{line}", status: "00000200");
        iges.Add(408, $"{definition},10.,0.,0.,2.");
        iges.Add(408, $"{definition},0.,5.,0.,");

        Read(iges).Bounds.Should().Be(new BoundingBox(0, 0, 0, 12, 5, 0));
    }

    [Fact]
    public void Control_points_of_curves_and_surfaces_bound_them()
    {
        var iges = new IgesBuilder();
        iges.Add(126, "2,2,0,0,1,0,0.,0.,0.,1.,1.,1.,1.,1.,1.,0.,0.,0.,5.,9.,0.,10.,0.,-1.,0.,1.,0.,0.,1.");

        Read(iges).Bounds.Should().Be(new BoundingBox(0, 0, -1, 10, 9, 0));
    }

    [Fact]
    public void Copious_data_points_are_geometry()
    {
        var iges = new IgesBuilder();
        iges.Add(106, "1,3,7.,0.,0.,1.,1.,-2.,4.", form: 11);
        iges.Add(106, "2,2,0.,0.,-1.,3.,3.,3.", form: 12);

        Read(iges).Bounds.Should().Be(new BoundingBox(-2, 0, -1, 3, 4, 7));
    }

    [Fact]
    public void Crlf_lines_and_unbroken_80_column_records_read_alike()
    {
        var crlf = new IgesBuilder { LineEnding = "\r\n" };
        var unbroken = new IgesBuilder { LineEnding = string.Empty };
        foreach (var iges in new[] { crlf, unbroken })
        {
            iges.Add(116, "1.,2.,3.,0");
        }

        Read(crlf).Bounds.Should().Be(new BoundingBox(1, 2, 3, 1, 2, 3));
        Read(unbroken).Bounds.Should().Be(new BoundingBox(1, 2, 3, 1, 2, 3));
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_ignored()
    {
        var iges = new IgesBuilder();
        iges.Add(116, "1.,2.,3.,0");

        _reader.Read((byte[])[0xEF, 0xBB, 0xBF, .. iges.Build()], CancellationToken.None).Bounds.Should().Be(new BoundingBox(1, 2, 3, 1, 2, 3));
    }

    [Fact]
    public void Fortran_exponents_are_numbers()
    {
        var iges = new IgesBuilder();
        iges.Add(116, "1.5D1,-2.0d-1,3.E0,0");

        Read(iges).Bounds.Should().Be(new BoundingBox(15, -0.2, 3, 15, -0.2, 3));
    }

    [Fact]
    public void A_non_finite_coordinate_is_invalid_geometry()
    {
        var iges = new IgesBuilder();
        iges.Add(116, "1.0D999,0.,0.,0");

        var failure = Invoking(iges.Build()).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("INVALID_GEOMETRY");
        failure.Context.Should().Contain("directory_entry", 1);
    }

    private CadDocument Read(IgesBuilder iges) => _reader.Read(iges.Build(), CancellationToken.None);

    private Action Invoking(byte[] content) => () => _reader.Read(content, CancellationToken.None);
}
