using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Step;

namespace CadMl.Infrastructure.Tests.Cad.Step;

public sealed class StepReaderTests
{
    private static readonly BoundingBox PlateWithBossBounds = new(0, -2, 0, 22, 5, 3);

    private readonly StepReader _reader = new();

    [Fact]
    public void A_solid_is_one_solid_entity_with_its_faces_typed_by_their_surfaces()
    {
        var document = Read(StepSamples.Millimetres(StepSamples.PlateWithBoss));

        document.Format.Should().Be(CadFormat.Step);
        document.Kinds.Should().Equal(new NamedCount("SOLID", 1));
        document.Layers.Should().BeEmpty();
        document.Metadata.Solids.Should().Be(1);
        document.Metadata.Surfaces.Should().BeNull("the B-rep faces already are the surface count");
        document.Metadata.Units.Should().Be("mm");
        document.Brep!.Faces.Should().Be(2);
        document.Brep.SurfaceTypes.Should().Equal(new NamedCount("plane", 1), new NamedCount("cylinder", 1));
    }

    [Fact]
    public void Bounds_come_from_vertices_and_true_circle_extents_not_from_surface_or_line_anchors()
    {
        Read(StepSamples.Millimetres(StepSamples.PlateWithBoss)).Bounds.Should().Be(PlateWithBossBounds);
    }

    [Fact]
    public void An_arc_edge_covers_only_the_side_its_sense_selects()
    {
        Read(StepSamples.QuarterArc(sameSense: true)).Bounds.Should().Be(new BoundingBox(0, 0, 0, 2, 2, 0));
        Read(StepSamples.QuarterArc(sameSense: false)).Bounds.Should().Be(new BoundingBox(-2, -2, 0, 2, 2, 0));
    }

    [Fact]
    public void Complex_instances_strings_comments_and_multi_line_records_are_parsed()
    {
        // The rational B-spline surface and the unit are complex instances; the product name
        // holds an escaped quote, a semicolon, a comment opener and a '#99' that is not a
        // reference (a reader that did not skip strings would report it as dangling).
        var data = $$"""
            {{StepSamples.Millimetre}}
            /* a comment; with a semicolon and a 'quote */
            {{StepSamples.Context}}
            #5 = PRODUCT('it''s a ;tricky /* name','(#99)','',
              (#6));
            #6 = PRODUCT_CONTEXT('',#7,'mechanical');
            #7 = APPLICATION_CONTEXT('x');
            #8 = ADVANCED_FACE('',(#21),
                 #70,
                 .F.);
            #70 = ( BOUNDED_SURFACE() B_SPLINE_SURFACE(1,1,((#100,#101),(#103,#102)),.UNSPECIFIED.,.F.,.F.,.F.)
              B_SPLINE_SURFACE_WITH_KNOTS((2,2),(2,2),(0.,1.),(0.,1.),.UNSPECIFIED.) GEOMETRIC_REPRESENTATION_ITEM()
              RATIONAL_B_SPLINE_SURFACE(((1.,1.),(1.,1.))) REPRESENTATION_ITEM('') SURFACE() );
            {{StepSamples.PlateWithBoss}}
            """;

        var document = Read(StepSamples.Bytes(data));

        document.Brep!.Faces.Should().Be(3);
        document.Brep.SurfaceTypes.Should().Equal(new NamedCount("bspline", 1), new NamedCount("plane", 1), new NamedCount("cylinder", 1));
        document.Bounds.Should().Be(PlateWithBossBounds);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_ignored()
    {
        Read([0xEF, 0xBB, 0xBF, .. StepSamples.Millimetres(StepSamples.PlateWithBoss)]).Bounds.Should().Be(PlateWithBossBounds);
    }

    [Fact]
    public void Inch_coordinates_are_converted_to_millimetres()
    {
        var inch = """
            #1 = ( CONVERSION_BASED_UNIT('INCH',#4) LENGTH_UNIT() NAMED_UNIT(#5) );
            #4 = LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(25.4),#6);
            #5 = DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.);
            #6 = ( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) );
            """;

        var document = Read(StepSamples.Bytes($"{inch}\n{StepSamples.Context}\n{StepSamples.PlateWithBoss}"));

        document.Bounds.Should().Be(new BoundingBox(0, -2 * 25.4, 0, 22 * 25.4, 5 * 25.4, 3 * 25.4));
        document.Metadata.Units.Should().Be("mm");
        document.Metadata.Facts!["source_length_unit"].Should().Be("inch");
    }

    [Fact]
    public void An_inch_unit_whose_factor_cannot_be_followed_is_known_by_its_name()
    {
        var inch = """
            #1 = ( CONVERSION_BASED_UNIT('INCH',#4) LENGTH_UNIT() NAMED_UNIT(#5) );
            #4 = MEASURE_WITH_UNIT(LENGTH_MEASURE(1.),#5);
            #5 = DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.);
            """;

        Read(StepSamples.Bytes($"{inch}\n{StepSamples.Context}\n{StepSamples.PlateWithBoss}")).Bounds.MaxX.Should().Be(22 * 25.4);
    }

    [Theory]
    [InlineData("$", 1000)]
    [InlineData(".CENTI.", 10)]
    [InlineData(".MICRO.", 0.001)]
    public void Si_prefixes_on_the_metre_scale_the_coordinates(string prefix, double millimetres)
    {
        var unit = $"#1 = ( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT({prefix},.METRE.) );";

        Read(StepSamples.Bytes($"{unit}\n{StepSamples.Context}\n{StepSamples.PlateWithBoss}")).Bounds.MaxX.Should().Be(22 * millimetres);
    }

    [Fact]
    public void A_file_without_units_is_taken_as_millimetres_and_says_so()
    {
        var document = Read(StepSamples.Bytes($"#2 = GEOMETRIC_REPRESENTATION_CONTEXT('ctx','3D',3);\n{StepSamples.PlateWithBoss}"));

        document.Bounds.Should().Be(PlateWithBossBounds);
        document.Metadata.Facts!["source_length_unit"].Should().StartWith("millimetre (assumed");
    }

    [Theory]
    [InlineData("CONFIG_CONTROL_DESIGN", "AP203")]
    [InlineData("AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }", "AP214")]
    [InlineData("AP242_MANAGED_MODEL_BASED_3D_ENGINEERING_MIM_LF { 1 0 10303 442 1 1 4 }", "AP242")]
    [InlineData("IFC2X3", "other")]
    public void The_schema_family_is_reported(string schema, string family)
    {
        var document = Read(StepSamples.Bytes($"{StepSamples.Millimetre}\n{StepSamples.Context}\n{StepSamples.PlateWithBoss}", schema));

        document.Metadata.Facts!["schema"].Should().Be(family);
        document.Metadata.Facts["schema_name"].Should().Be(schema);
    }

    [Fact]
    public void Assembly_placements_move_and_rotate_each_component_instance()
    {
        // The plate (0..22 × −2..5 × 0..3) is placed twice: moved by (100,0,0), and rotated so
        // that its z axis points along −y (local (x,y,z) ↦ (x,−z,y)) and moved by (0,50,0).
        var assembly = """
            #300 = SHAPE_REPRESENTATION('assembly',(#301,#302,#303),#2);
            #301 = AXIS2_PLACEMENT_3D('',#310,#33,#34);
            #302 = AXIS2_PLACEMENT_3D('',#311,#33,#34);
            #303 = AXIS2_PLACEMENT_3D('',#312,#313,#34);
            #310 = CARTESIAN_POINT('',(0.,0.,0.));
            #311 = CARTESIAN_POINT('',(100.,0.,0.));
            #312 = CARTESIAN_POINT('',(0.,50.,0.));
            #313 = DIRECTION('',(0.,-1.,0.));
            #320 = ( REPRESENTATION_RELATIONSHIP('','',#3,#300) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#321) SHAPE_REPRESENTATION_RELATIONSHIP() );
            #321 = ITEM_DEFINED_TRANSFORMATION('','',#301,#302);
            #322 = ( REPRESENTATION_RELATIONSHIP('','',#3,#300) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#323) SHAPE_REPRESENTATION_RELATIONSHIP() );
            #323 = ITEM_DEFINED_TRANSFORMATION('','',#301,#303);
            """;

        var document = Read(StepSamples.Millimetres(StepSamples.PlateWithBoss + assembly));

        var bounds = document.Bounds;
        bounds.MinX.Should().Be(0);
        bounds.MaxX.Should().Be(122);
        bounds.MinY.Should().BeApproximately(-2, 1e-12);
        bounds.MaxY.Should().BeApproximately(50, 1e-12);
        bounds.MinZ.Should().BeApproximately(-2, 1e-12);
        bounds.MaxZ.Should().BeApproximately(5, 1e-12);
        document.Metadata.Solids.Should().Be(1, "a component placed twice is still one solid definition");
        document.Metadata.Facts!["body_instances"].Should().Be("2");
    }

    [Fact]
    public void A_product_shape_linked_to_its_brep_without_a_transformation_shares_its_placement()
    {
        // OCC's layout: the product's SHAPE_REPRESENTATION is placed in the assembly; the B-rep
        // representation hangs off it through a plain SHAPE_REPRESENTATION_RELATIONSHIP.
        var assembly = """
            #200 = SHAPE_REPRESENTATION('product',(#301),#2);
            #201 = SHAPE_REPRESENTATION_RELATIONSHIP('','',#200,#3);
            #300 = SHAPE_REPRESENTATION('assembly',(#301,#302),#2);
            #301 = AXIS2_PLACEMENT_3D('',#310,#33,#34);
            #302 = AXIS2_PLACEMENT_3D('',#311,#33,#34);
            #310 = CARTESIAN_POINT('',(0.,0.,0.));
            #311 = CARTESIAN_POINT('',(0.,0.,-7.));
            #320 = ( REPRESENTATION_RELATIONSHIP('','',#200,#300) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#321) SHAPE_REPRESENTATION_RELATIONSHIP() );
            #321 = ITEM_DEFINED_TRANSFORMATION('','',#301,#302);
            """;

        Read(StepSamples.Millimetres(StepSamples.PlateWithBoss + assembly)).Bounds.Should().Be(new BoundingBox(0, -2, -7, 22, 5, -4));
    }

    [Fact]
    public void A_mapped_item_places_its_representation()
    {
        var assembly = """
            #300 = SHAPE_REPRESENTATION('assembly',(#330),#2);
            #301 = AXIS2_PLACEMENT_3D('',#310,#33,#34);
            #302 = AXIS2_PLACEMENT_3D('',#311,#33,#34);
            #310 = CARTESIAN_POINT('',(0.,0.,0.));
            #311 = CARTESIAN_POINT('',(1.,2.,3.));
            #330 = MAPPED_ITEM('',#331,#302);
            #331 = REPRESENTATION_MAP(#301,#3);
            """;

        Read(StepSamples.Millimetres(StepSamples.PlateWithBoss + assembly)).Bounds.Should().Be(new BoundingBox(1, 0, 3, 23, 7, 6));
    }

    [Fact]
    public void A_surface_model_without_solids_still_has_faces_and_bounds()
    {
        var data = StepSamples.PlateWithBoss
            .Replace("#3 = ADVANCED_BREP_SHAPE_REPRESENTATION('part',(#10),#2);", "#3 = MANIFOLD_SURFACE_SHAPE_REPRESENTATION('part',(#10),#2);", StringComparison.Ordinal)
            .Replace("#10 = MANIFOLD_SOLID_BREP('plate',#11);", "#10 = SHELL_BASED_SURFACE_MODEL('plate',(#11));", StringComparison.Ordinal)
            .Replace("#11 = CLOSED_SHELL", "#11 = OPEN_SHELL", StringComparison.Ordinal);

        var document = Read(StepSamples.Millimetres(data));

        document.Metadata.Solids.Should().Be(0);
        document.Kinds.Should().BeEmpty();
        document.Brep!.Faces.Should().Be(2);
        document.Bounds.Should().Be(PlateWithBossBounds);
    }

    [Fact]
    public void A_file_with_only_points_is_bounded_by_all_of_them_and_says_so()
    {
        var document = Read(StepSamples.Millimetres("#10 = CARTESIAN_POINT('',(1.,2.,3.));\n#11 = CARTESIAN_POINT('',(-1.,5.,0.));\n#12 = CARTESIAN_POINT('',(100.,100.));"));

        document.Bounds.Should().Be(new BoundingBox(-1, 2, 0, 1, 5, 3));
        document.Metadata.Facts.Should().ContainKey("bounds_note");
        document.Brep!.Faces.Should().Be(0);
    }

    [Fact]
    public void Rectangular_trimmed_and_offset_surfaces_are_typed_by_rule()
    {
        var data = """
            #1 = ADVANCED_FACE('',(),#2,.T.);
            #2 = RECTANGULAR_TRIMMED_SURFACE('',#3,0.,1.,0.,1.,.T.,.T.);
            #3 = SPHERICAL_SURFACE('',#4,5.);
            #4 = AXIS2_PLACEMENT_3D('',#5,$,$);
            #5 = CARTESIAN_POINT('',(0.,0.,0.));
            #6 = FACE_SURFACE('',(),#7,.T.);
            #7 = OFFSET_SURFACE('',#3,1.,.F.);
            #8 = ADVANCED_FACE('',(),#9,.T.);
            #9 = TOROIDAL_SURFACE('',#4,5.,1.);
            #10 = ADVANCED_FACE('',(),#11,.T.);
            #11 = CONICAL_SURFACE('',#4,5.,0.5);
            #12 = ADVANCED_FACE('',(),#13,.T.);
            #13 = SURFACE_OF_LINEAR_EXTRUSION('',#14,#15);
            #14 = LINE('',#5,#15);
            #15 = VECTOR('',#16,1.);
            #16 = DIRECTION('',(1.,0.,0.));
            #17 = ADVANCED_FACE('',(),#18,.T.);
            #18 = DEGENERATE_TOROIDAL_SURFACE('',#4,1.,5.,.T.);
            #19 = ADVANCED_FACE('',(),#20,.T.);
            #20 = SURFACE_OF_REVOLUTION('',#14,#21);
            #21 = AXIS1_PLACEMENT('',#5,#16);
            #22 = ADVANCED_FACE('',(),#23,.T.);
            #23 = SWEPT_DISK_SURFACE('',#14,1.);
            """;

        var types = Read(StepSamples.Bytes(data)).Brep!.SurfaceTypes;

        types.Should().Equal(
            new NamedCount("sphere", 1),
            new NamedCount("offset", 1),
            new NamedCount("torus", 2),
            new NamedCount("cone", 1),
            new NamedCount("surface_of_linear_extrusion", 1),
            new NamedCount("surface_of_revolution", 1),
            new NamedCount("other", 1));
    }

    [Fact]
    public void Brep_with_voids_and_faceted_breps_count_as_solids()
    {
        var data = """
            #1 = BREP_WITH_VOIDS('',#3,(#4));
            #2 = FACETED_BREP('',#5);
            #3 = CLOSED_SHELL('',());
            #4 = ORIENTED_CLOSED_SHELL('',*,#3,.F.);
            #5 = CLOSED_SHELL('',(#6));
            #6 = FACE('',(#7));
            #7 = FACE_OUTER_BOUND('',#8,.T.);
            #8 = POLY_LOOP('',(#9,#10,#11));
            #9 = CARTESIAN_POINT('',(0.,0.,0.));
            #10 = CARTESIAN_POINT('',(4.,0.,1.));
            #11 = CARTESIAN_POINT('',(0.,3.,2.));
            """;

        var document = Read(StepSamples.Bytes(data));

        document.Kinds.Should().Equal(new NamedCount("SOLID", 2));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 4, 3, 2));
    }

    private CadDocument Read(byte[] content) => _reader.Read(content, CancellationToken.None);
}
