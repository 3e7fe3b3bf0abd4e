using System.Text;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Dxf;
using static CadMl.Infrastructure.Tests.Cad.Dxf.TestDxf;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

public sealed class DxfReaderTests
{
    private const double Precision = 1e-9;

    [Fact]
    public void Reader_declares_the_dxf_format_and_extension()
    {
        var reader = new DxfReader();

        reader.Format.Should().Be(CadFormat.Dxf);
        reader.Extensions.Should().Equal("dxf");
    }

    [Fact]
    public void Polyline_with_vertices_counts_as_one_entity()
    {
        var dxf = Document(
            Tags(0, "POLYLINE", 8, "walls", 66, 1, 70, 0, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "walls", 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "walls", 10, 10, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "walls", 10, 10, 20, 7, 30, 0)
            + Tags(0, "SEQEND", 8, "walls")
            + Line(0, 0, 1, 1));

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("POLYLINE", 1), new NamedCount("LINE", 1));
        document.EntityCount.Should().Be(2);
        document.Layers.Should().Equal(new NamedCount("walls", 1), new NamedCount("0", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 10, 7, 0));
    }

    [Fact]
    public void Insert_with_attributes_counts_as_one_entity_and_its_attributes_stay_out_of_the_extents()
    {
        var blocks = Block("TAG", Line(0, 0, 1, 1));
        var dxf = Document(
            Tags(0, "INSERT", 8, "0", 66, 1, 2, "TAG", 10, 0, 20, 0, 30, 0)
            + Tags(0, "ATTRIB", 8, "0", 10, 500, 20, 500, 30, 0, 40, 2.5, 1, "value", 2, "NAME", 70, 0)
            + Tags(0, "ATTRIB", 8, "0", 10, -500, 20, -500, 30, 0, 40, 2.5, 1, "other", 2, "NUMBER", 70, 0)
            + Tags(0, "SEQEND", 8, "0")
            + Line(2, 2, 3, 3),
            blocks);

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("INSERT", 1), new NamedCount("LINE", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 3, 3, 0));
    }

    [Fact]
    public void Paper_space_entities_are_neither_counted_nor_measured()
    {
        var tables = Tags(0, "TABLE", 2, "BLOCK_RECORD", 70, 2)
            + Tags(0, "BLOCK_RECORD", 5, "1F", 2, "*Model_Space")
            + Tags(0, "BLOCK_RECORD", 5, "1E", 2, "*Paper_Space")
            + Tags(0, "ENDTAB");
        var dxf = Document(
            Line(0, 0, 1, 1)
            + Tags(0, "LINE", 8, "title", 67, 1, 10, 900, 20, 900, 30, 0, 11, 950, 21, 950, 31, 0)
            + Tags(0, "CIRCLE", 330, "1E", 8, "frame", 10, -400, 20, 0, 30, 0, 40, 5)
            + Tags(0, "ARC", 330, "1F", 8, "0", 10, 0, 20, 0, 30, 0, 40, 1, 50, 0, 51, 90),
            tables: tables);

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("LINE", 1), new NamedCount("ARC", 1));
        document.Layers.Should().Equal(new NamedCount("0", 2));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 0));
    }

    [Theory]
    [InlineData(45, 135, -0.70710678118654757, 0.70710678118654757, 0.70710678118654746, 1)]
    [InlineData(350, 10, 0.98480775301220802, -0.17364817766693033, 1, 0.17364817766693033)]
    [InlineData(100, 260, -1, -0.98480775301220802, -0.17364817766693033, 0.98480775301220802)]
    [InlineData(0, 360, -1, -1, 1, 1)]
    public void Arc_extents_follow_its_angle_range_across_quadrants(double start, double end, double minX, double minY, double maxX, double maxY)
    {
        var dxf = Document(Tags(0, "ARC", 8, "0", 10, 0, 20, 0, 30, 0, 40, 10, 50, start, 51, end));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(minX * 10, Precision);
        bounds.MinY.Should().BeApproximately(minY * 10, Precision);
        bounds.MaxX.Should().BeApproximately(maxX * 10, Precision);
        bounds.MaxY.Should().BeApproximately(maxY * 10, Precision);
    }

    [Fact]
    public void Bulge_arc_extends_the_polyline_beyond_its_vertices()
    {
        // Bulge 1 is a half circle, counter-clockwise from (0,0) to (10,0): it dips to y = -5.
        var dxf = Document(Tags(0, "LWPOLYLINE", 8, "0", 90, 2, 70, 0, 10, 0, 20, 0, 42, 1, 10, 10, 20, 0));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(0, Precision);
        bounds.MaxX.Should().BeApproximately(10, Precision);
        bounds.MinY.Should().BeApproximately(-5, Precision);
        bounds.MaxY.Should().BeApproximately(0, Precision);
    }

    [Fact]
    public void Closing_segment_of_a_closed_polyline_uses_the_last_vertex_bulge()
    {
        // Closed triangle whose closing segment (0,10)→(0,0) is a half circle bulging to x = -5.
        var dxf = Document(Tags(0, "LWPOLYLINE", 8, "0", 90, 3, 70, 1, 10, 0, 20, 0, 10, 10, 20, 0, 10, 0, 20, 10, 42, 1));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(-5, Precision);
        bounds.MaxX.Should().BeApproximately(10, Precision);
    }

    [Fact]
    public void Extrusion_along_minus_z_mirrors_the_object_coordinate_system()
    {
        // The arbitrary axis algorithm gives Ax = (-1,0,0), Ay = (0,1,0) for N = (0,0,-1).
        var dxf = Document(
            Tags(0, "CIRCLE", 8, "0", 10, 5, 20, 0, 30, 0, 40, 1, 210, 0, 220, 0, 230, -1)
            + Tags(0, "LWPOLYLINE", 8, "0", 90, 2, 70, 0, 38, 3, 10, 1, 20, 1, 10, 2, 20, 2, 210, 0, 220, 0, 230, -1));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(-6, Precision);
        bounds.MaxX.Should().BeApproximately(-1, Precision);
        bounds.MinY.Should().BeApproximately(-1, Precision);
        bounds.MaxY.Should().BeApproximately(2, Precision);
        bounds.MinZ.Should().BeApproximately(-3, Precision);
        bounds.MaxZ.Should().BeApproximately(0, Precision);
    }

    [Fact]
    public void Tilted_circle_is_measured_in_three_dimensions()
    {
        // A unit circle whose plane is the world XZ plane (normal -Y) spans ±1 in x and z, 0 in y.
        var dxf = Document(Tags(0, "CIRCLE", 8, "0", 10, 0, 20, 0, 30, 0, 40, 1, 210, 0, 220, -1, 230, 0));

        var bounds = Read(dxf).Bounds;

        bounds.Width.Should().BeApproximately(2, Precision);
        bounds.Height.Should().BeApproximately(0, Precision);
        bounds.Depth.Should().BeApproximately(2, Precision);
    }

    [Fact]
    public void Nested_insert_applies_base_points_rotation_and_scale_at_every_level()
    {
        var blocks = Block("A", Line(0, 0, 1, 0))
            + Block("B", Insert("A", 10, 0, rotation: 90, sx: 2, sy: 2), baseX: 10, baseY: 0);
        var dxf = Document(Insert("B", 100, 100, rotation: 90), blocks);

        var bounds = Read(dxf).Bounds;

        // In B the line runs (10,0)→(10,2); shifted by B's base point and turned a quarter it
        // lands on (100,100)→(98,100).
        bounds.MinX.Should().BeApproximately(98, Precision);
        bounds.MaxX.Should().BeApproximately(100, Precision);
        bounds.MinY.Should().BeApproximately(100, Precision);
        bounds.MaxY.Should().BeApproximately(100, Precision);
    }

    [Fact]
    public void Circle_in_a_rotated_non_uniformly_scaled_block_has_the_true_ellipse_extents()
    {
        // Semi-axes 3 and 1 turned by 30°: half-widths √(9cos²30°+sin²30°) = √7 and √3.
        var dxf = Document(Insert("C", 50, 50, rotation: 30, sx: 3, sy: 1), Block("C", Circle(0, 0, 1)));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(50 - Math.Sqrt(7), Precision);
        bounds.MaxX.Should().BeApproximately(50 + Math.Sqrt(7), Precision);
        bounds.MinY.Should().BeApproximately(50 - Math.Sqrt(3), Precision);
        bounds.MaxY.Should().BeApproximately(50 + Math.Sqrt(3), Precision);
    }

    [Fact]
    public void Nested_non_uniform_scales_that_shear_keep_arcs_exact()
    {
        // Two levels of rotation with unequal scales compose into a shear, which no INSERT can
        // express; ezdxf 0.18 measures this case wrongly. The expected box comes from sampling
        // the arc densely (200 001 points) through both transforms.
        var blocks = Block("X", Tags(0, "ARC", 8, "0", 10, 1, 20, 2, 30, 0, 40, 3, 50, 40, 51, 300))
            + Block("Y", Insert("X", 3, 0, rotation: 50, sx: 0.5, sy: 1.5), baseX: 1, baseY: 1);
        var dxf = Document(Insert("Y", 0, 0, rotation: 37, sx: 1.7, sy: -0.6), blocks);

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(-3.51864599192019, 1e-9);
        bounds.MinY.Should().BeApproximately(-5.536721141942884, 1e-9);
        bounds.MaxX.Should().BeApproximately(4.528860043198551, 1e-9);
        bounds.MaxY.Should().BeApproximately(4.327533651609292, 1e-9);
    }

    [Theory]
    [InlineData(0, -1, -1, 21, 6)]
    [InlineData(90, -6, -1, 1, 21)]
    public void Minsert_covers_every_grid_copy(double rotation, double minX, double minY, double maxX, double maxY)
    {
        var dxf = Document(
            Tags(0, "INSERT", 8, "0", 2, "D", 10, 0, 20, 0, 30, 0, 50, rotation, 70, 3, 71, 2, 44, 10, 45, 5),
            Block("D", Circle(0, 0, 1)));

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("INSERT", 1));
        document.Bounds.MinX.Should().BeApproximately(minX, Precision);
        document.Bounds.MinY.Should().BeApproximately(minY, Precision);
        document.Bounds.MaxX.Should().BeApproximately(maxX, Precision);
        document.Bounds.MaxY.Should().BeApproximately(maxY, Precision);
    }

    [Theory]
    [InlineData(1, 0, 100, 90, 130, 100)]
    [InlineData(0, 1, 100, 100, 110, 130)]
    public void An_acad_table_is_measured_through_its_table_block(double dx, double dy, double minX, double minY, double maxX, double maxY)
    {
        // The *T block draws the 30 × 10 grid below its origin; 41/42/43 here are cell margins, not scales.
        var blocks = Block("*T1", Line(0, 0, 30, 0) + Line(0, -10, 30, -10) + Line(0, 0, 0, -10) + Line(30, 0, 30, -10));
        var dxf = Document(Tags(0, "ACAD_TABLE", 8, "0", 2, "*T1", 10, 100, 20, 100, 30, 0, 280, 0, 11, dx, 21, dy, 31, 0, 40, 0.06, 41, 0.06, 91, 1, 92, 1, 141, 10, 142, 30), blocks);

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("ACAD_TABLE", 1));
        document.Bounds.MinX.Should().BeApproximately(minX, Precision);
        document.Bounds.MinY.Should().BeApproximately(minY, Precision);
        document.Bounds.MaxX.Should().BeApproximately(maxX, Precision);
        document.Bounds.MaxY.Should().BeApproximately(maxY, Precision);
    }

    [Fact]
    public void Dimension_is_measured_through_its_geometry_block()
    {
        var blocks = Block("*D1", Line(0, 0, 5, 0) + Tags(0, "MTEXT", 8, "0", 10, 100, 20, 100, 30, 0, 1, "5.00"));
        var dxf = Document(Tags(0, "DIMENSION", 8, "dims", 2, "*D1", 10, 5, 20, 0, 30, 0, 70, 0), blocks);

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("DIMENSION", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 5, 0, 0));
    }

    [Fact]
    public void Text_is_counted_but_left_out_of_the_extents()
    {
        var dxf = Document(
            Line(0, 0, 1, 1)
            + Tags(0, "TEXT", 8, "notes", 10, 1000, 20, 1000, 30, 0, 40, 2.5, 1, "far away")
            + Tags(0, "MTEXT", 8, "notes", 10, -500, 20, -500, 30, 0, 40, 2.5, 1, "also far")
            + Tags(0, "ATTDEF", 8, "notes", 10, 700, 20, -700, 30, 0, 40, 2.5, 1, "", 2, "TAG", 3, "prompt", 70, 0));

        var document = Read(dxf);

        document.Kinds.Should().Equal(new NamedCount("LINE", 1), new NamedCount("TEXT", 1), new NamedCount("MTEXT", 1), new NamedCount("ATTDEF", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 0));
    }

    [Fact]
    public void Ellipse_extents_honour_its_parameter_range()
    {
        var dxf = Document(Tags(0, "ELLIPSE", 8, "0", 10, 0, 20, 0, 30, 0, 11, 10, 21, 0, 31, 0, 40, 0.5, 41, 0, 42, Math.PI));

        var bounds = Read(dxf).Bounds;

        bounds.MinX.Should().BeApproximately(-10, Precision);
        bounds.MaxX.Should().BeApproximately(10, Precision);
        bounds.MinY.Should().BeApproximately(0, Precision);
        bounds.MaxY.Should().BeApproximately(5, Precision);
    }

    [Fact]
    public void Spline_is_measured_by_its_control_points_or_else_its_fit_points()
    {
        var dxf = Document(
            Tags(0, "SPLINE", 8, "0", 70, 8, 71, 2, 72, 6, 73, 3, 74, 0, 10, 0, 20, 0, 30, 0, 10, 5, 20, 10, 30, 0, 10, 10, 20, 0, 30, 0)
            + Tags(0, "SPLINE", 8, "0", 70, 8, 71, 3, 72, 0, 73, 0, 74, 2, 11, -3, 21, 1, 31, 0, 11, -4, 21, 2, 31, 0));

        Read(dxf).Bounds.Should().Be(new BoundingBox(-4, 0, 0, 10, 10, 0));
    }

    [Fact]
    public void Hatch_boundary_paths_count_and_seed_points_do_not()
    {
        var hatch = Tags(0, "HATCH", 8, "0", 10, 0, 20, 0, 30, 0, 210, 0, 220, 0, 230, 1, 2, "SOLID", 70, 1, 71, 0, 91, 2)
            + Tags(92, 2, 72, 0, 73, 1, 93, 4, 10, 100, 20, 100, 10, 110, 20, 100, 10, 110, 20, 110, 10, 100, 20, 110, 97, 0)
            + Tags(92, 1, 93, 1, 72, 2, 10, 200, 20, 200, 40, 5, 50, 0, 51, 90, 73, 1, 97, 0)
            + Tags(75, 0, 76, 1, 98, 1, 10, -1000, 20, -1000);

        Read(Document(hatch)).Bounds.Should().Be(new BoundingBox(100, 100, 0, 205, 205, 0));
    }

    [Fact]
    public void Empty_model_space_is_a_valid_document_with_nothing_in_it()
    {
        var document = Read(Document(string.Empty, header: Tags(9, "$ACADVER", 1, "AC1015")));

        document.EntityCount.Should().Be(0);
        document.Layers.Should().BeEmpty();
        document.Bounds.Should().Be(BoundingBox.Empty);
    }

    [Fact]
    public void Insert_of_an_undefined_block_is_counted_and_adds_no_extents()
    {
        var document = Read(Document(Insert("MISSING", 10, 10) + Line(0, 0, 1, 1)));

        document.Kinds.Should().Equal(new NamedCount("INSERT", 1), new NamedCount("LINE", 1));
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 0));
    }

    [Fact]
    public void Crlf_line_endings_and_padded_group_codes_read_like_lf()
    {
        var lf = Document(Line(0, 0, 3, 4, "a") + Circle(10, 10, 2, "b"), Block("X", Line(0, 0, 1, 1)));
        var crlf = lf.Replace("\n", "\r\n", StringComparison.Ordinal);
        var padded = string.Join('\n', lf.Split('\n').Select((line, i) => i % 2 == 0 && line.Length > 0 ? "  " + line.Trim() + " " : line));

        var expected = Read(lf);

        foreach (var variant in new[] { crlf, padded })
        {
            var document = Read(variant);
            document.Kinds.Should().Equal(expected.Kinds);
            document.Layers.Should().Equal(expected.Layers);
            document.Bounds.Should().Be(expected.Bounds);
        }
    }

    [Theory]
    [InlineData("AC1015", true)]
    [InlineData("AC1009", false)]
    public void Binary_dxf_reads_like_the_same_ascii_file(string version, bool twoByteCodes)
    {
        var ascii = Document(
            Line(0, 0, 3, 4, "a")
            + Tags(0, "LWPOLYLINE", 8, "b", 90, 2, 70, 0, 10, 0, 20, 0, 42, 1, 10, 10, 20, 0)
            + Insert("X", 20, 20, rotation: 45, sx: 2, sy: 2)
            + Tags(0, "TEXT", 8, "c", 10, 99, 20, 99, 30, 0, 40, 1, 1, "t"),
            Block("X", Circle(0, 0, 1) + Line(0, 0, 5, 0)),
            header: Tags(9, "$ACADVER", 1, version, 9, "$INSUNITS", 70, 4));

        var expected = Read(ascii);
        var binary = Read(ToBinary(ascii, twoByteCodes));

        binary.Kinds.Should().Equal(expected.Kinds);
        binary.Layers.Should().Equal(expected.Layers);
        binary.Bounds.Should().Be(expected.Bounds);
        binary.Metadata.Units.Should().Be("mm");
        binary.Metadata.Facts!["binary"].Should().Be("true");
        binary.Metadata.Facts["dxf_version"].Should().Be(version);
        expected.Metadata.Facts!["binary"].Should().Be("false");
        expected.Bounds.MinY.Should().BeApproximately(-5, Precision, "the bulge arc is part of the comparison");
    }

    [Fact]
    public void Layer_names_are_decoded_with_the_drawing_code_page_before_R2007()
    {
        var cp1251 = CodePagesEncodingProvider.Instance.GetEncoding(1251)!;
        var dxf = Document(Line(0, 0, 1, 1, "Слой"), header: Tags(9, "$ACADVER", 1, "AC1015", 9, "$DWGCODEPAGE", 3, "ANSI_1251"));

        var document = Read(cp1251.GetBytes(dxf));

        document.Layers.Should().Equal(new NamedCount("Слой", 1));
        document.Metadata.Facts!["code_page"].Should().Be("windows-1251");
    }

    [Fact]
    public void Layer_names_are_utf8_from_R2007_and_unicode_escapes_are_decoded()
    {
        var dxf = Document(
            Line(0, 0, 1, 1, "Ebene-ü") + Line(0, 0, 1, 1, "\\U+0414om"),
            header: Tags(9, "$ACADVER", 1, "AC1021", 9, "$DWGCODEPAGE", 3, "ANSI_1252"));

        var document = Read(Encoding.UTF8.GetBytes(dxf));

        document.Layers.Should().Equal(new NamedCount("Ebene-ü", 1), new NamedCount("Дom", 1));
    }

    [Fact]
    public void Metadata_reports_units_version_and_solid_and_face_counts()
    {
        var dxf = Document(
            Tags(0, "3DFACE", 8, "0", 10, 0, 20, 0, 30, 0, 11, 1, 21, 0, 31, 0, 12, 1, 22, 1, 32, 1, 13, 0, 23, 1, 33, 1)
            + Tags(0, "3DFACE", 8, "0", 10, 0, 20, 0, 30, 0, 11, 1, 21, 0, 31, 0, 12, 1, 22, 1, 32, 2)
            + Tags(0, "3DSOLID", 8, "0", 70, 1, 1, "acis data"),
            header: Tags(9, "$ACADVER", 1, "AC1015", 9, "$INSUNITS", 70, 6));

        var document = Read(dxf);

        document.Metadata.Units.Should().Be("m");
        document.Metadata.Facets.Should().Be(2);
        document.Metadata.Solids.Should().Be(1);
        document.Metadata.Facts!["dxf_version"].Should().Be("AC1015");
        document.Metadata.Facts["code_page"].Should().Be("windows-1252");
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 2));
    }

    [Fact]
    public void Drawing_without_solids_or_faces_reports_none_rather_than_zero()
    {
        var document = Read(Document(Line(0, 0, 1, 1)));

        document.Metadata.Solids.Should().BeNull();
        document.Metadata.Facets.Should().BeNull();
        document.Metadata.Units.Should().BeNull("no $INSUNITS means unitless");
    }

    [Fact]
    public void Header_variables_after_a_premature_ENDSEC_are_still_read()
    {
        // LibreCAD's dxflib closes the header right after $HANDSEED and carries on with variables.
        var dxf = Tags(0, "SECTION", 2, "HEADER", 9, "$ACADVER", 1, "AC1015", 9, "$HANDSEED", 5, "FFFF", 0, "ENDSEC")
            + Tags(9, "$INSUNITS", 70, 4, 0, "ENDSEC")
            + Tags(0, "SECTION", 2, "ENTITIES") + Line(0, 0, 1, 1) + Tags(0, "ENDSEC", 0, "EOF");

        var document = Read(dxf);

        document.Metadata.Units.Should().Be("mm");
        document.EntityCount.Should().Be(1);
    }

    [Fact]
    public void Model_space_block_entities_are_counted_like_the_entities_section()
    {
        var blocks = Block("*Model_Space", Line(5, 5, 6, 6)) + Block("*Paper_Space", Line(-100, -100, 0, 0));

        var document = Read(Document(Line(0, 0, 1, 1), blocks));

        document.EntityCount.Should().Be(2);
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 6, 6, 0));
    }
}
