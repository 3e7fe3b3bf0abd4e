using CadMl.Domain.Cad;
using static CadMl.Infrastructure.Tests.Cad.Dxf.TestDxf;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// LEADER and MULTILEADER graphics measured from the style tables (issue 19). The numbers follow
/// the arrow shapes AutoCAD and ezdxf draw: the closed arrow is a triangle one arrow size long whose
/// half-height is size · sin(18.924644° / 2). Agreement with ezdxf itself on files it wrote is
/// checked by <see cref="DxfEzdxfFixtureTests"/> (Fixtures/leader_*.dxf, multileader_*.dxf).
/// </summary>
public sealed class DxfLeaderTests
{
    private const double Precision = 1e-9;

    private static readonly double HalfHeight = Math.Sin(18.924644 / 2 * Math.PI / 180);

    private static string DimensionStyle(string name, double arrowSize, double scale, string blockHandle = "0") =>
        Tags(0, "TABLE", 2, "DIMSTYLE") + Tags(0, "DIMSTYLE", 105, "1A", 2, name, 70, 0, 40, scale, 41, arrowSize, 341, blockHandle) + Tags(0, "ENDTAB");

    private static string Leader(string style, params (double X, double Y)[] vertices)
    {
        var tags = Tags(0, "LEADER", 8, "0", 100, "AcDbLeader", 3, style, 71, 1, 72, 0, 73, 3, 76, vertices.Length);
        foreach (var (x, y) in vertices)
        {
            tags += Tags(10, x, 20, y, 30, 0);
        }

        return tags;
    }

    [Fact]
    public void Leader_arrowhead_is_its_style_arrow_size_times_the_style_scale()
    {
        var document = Read(Document(Leader("BIG", (0, 0), (10, 0), (10, 10)), tables: DimensionStyle("BIG", 3, 2)));

        // Arrow 3 × 2 = 6 long, tip at (0, 0), pointing left: it widens the box below y = 0.
        document.Bounds.MinY.Should().BeApproximately(-6 * HalfHeight, Precision);
        document.Bounds.MinX.Should().Be(0);
        document.Bounds.MaxX.Should().Be(10);
        document.Bounds.MaxY.Should().Be(10);
        document.Metadata.BoundsAccuracy.Should().Be(BoundsAccuracy.Exact);
    }

    [Fact]
    public void Xdata_dstyle_override_replaces_the_style_arrow_size()
    {
        var leader = Leader("BIG", (0, 0), (10, 0))
            + Tags(1001, "ACAD", 1000, "DSTYLE", 1002, "{", 1070, 41, 1040, 5.0, 1070, 40, 1040, 1.0, 1002, "}");

        var document = Read(Document(leader, tables: DimensionStyle("BIG", 3, 2)));

        document.Bounds.MaxY.Should().BeApproximately(5 * HalfHeight, Precision);
        document.Bounds.MinY.Should().BeApproximately(-5 * HalfHeight, Precision);
    }

    [Theory]
    [InlineData(1, 2.5)]
    [InlineData(0, 0.1875)]
    public void Leader_without_a_style_entry_gets_the_default_arrow_of_the_drawing_units(int measurement, double size)
    {
        var document = Read(Document(Leader("MISSING", (0, 0), (0, 10)), header: Tags(9, "$MEASUREMENT", 70, measurement)));

        // Pointing down from (0, 0): the arrow's base is `size` above the tip, half as wide as high.
        document.Bounds.MinX.Should().BeApproximately(-size * HalfHeight, Precision);
        document.Bounds.MaxX.Should().BeApproximately(size * HalfHeight, Precision);
    }

    [Fact]
    public void Leader_whose_arrow_is_a_user_block_inserts_the_block_scaled_by_the_arrow_size()
    {
        var tables = Tags(0, "TABLE", 2, "BLOCK_RECORD") + Tags(0, "BLOCK_RECORD", 5, "2F", 2, "MARK") + Tags(0, "ENDTAB")
            + DimensionStyle("S", 2, 1, blockHandle: "2F");
        var blocks = Block("MARK", Circle(0, 0, 1));

        var document = Read(Document(Leader("S", (0, 0), (10, 0)), blocks, tables: tables));

        // The block is turned half a turn (the arrow points away from the second vertex): cos π rounds.
        document.Bounds.MinX.Should().BeApproximately(-2, Precision);
        document.Bounds.MinY.Should().BeApproximately(-2, Precision);
        document.Bounds.MaxX.Should().Be(10);
        document.Bounds.MaxY.Should().BeApproximately(2, Precision);
        document.Metadata.BoundsAccuracy.Should().Be(BoundsAccuracy.Exact);
    }

    [Fact]
    public void Leader_arrow_that_names_nothing_drawable_is_reported_as_not_measured()
    {
        var tables = Tags(0, "TABLE", 2, "BLOCK_RECORD") + Tags(0, "BLOCK_RECORD", 5, "2F", 2, "UNDEFINED") + Tags(0, "ENDTAB")
            + DimensionStyle("S", 2, 1, blockHandle: "2F");

        var document = Read(Document(Leader("S", (0, 0), (10, 0)), tables: tables));

        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 10, 0, 0));
        document.Metadata.BoundsAccuracy!.Reasons.Should().Equal(BoundsAccuracy.LeaderArrowheads);
    }

    [Fact]
    public void Leader_without_arrowhead_is_its_vertices()
    {
        var leader = Tags(0, "LEADER", 8, "0", 3, "S", 71, 0, 76, 2, 10, 0, 20, 0, 30, 0, 10, 10, 20, 0, 30, 0);

        var document = Read(Document(leader, tables: DimensionStyle("S", 5, 1)));

        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 10, 0, 0));
        document.Metadata.BoundsAccuracy.Should().Be(BoundsAccuracy.Exact);
    }

    [Fact]
    public void Spline_leaders_and_hook_lines_keep_the_approximate_flag_with_their_reason()
    {
        var spline = Tags(0, "LEADER", 8, "0", 3, "S", 71, 0, 72, 1, 76, 3, 10, 0, 20, 0, 30, 0, 10, 5, 20, 5, 30, 0, 10, 10, 20, 0, 30, 0);
        var hooked = Tags(0, "LEADER", 8, "0", 3, "S", 71, 0, 73, 0, 75, 1, 41, 12.0, 76, 2, 10, 0, 20, 0, 30, 0, 10, 5, 20, 5, 30, 0);

        Read(Document(spline, tables: DimensionStyle("S", 1, 1))).Metadata.BoundsAccuracy!.Reasons.Should().Equal(BoundsAccuracy.LeaderSplinePath);
        Read(Document(hooked, tables: DimensionStyle("S", 1, 1))).Metadata.BoundsAccuracy!.Reasons.Should().Equal(BoundsAccuracy.LeaderHookline);
    }

    [Fact]
    public void Multileader_draws_its_leader_line_landing_and_arrow_from_its_context_data()
    {
        // One leader line from (0, 0) up to (0, 10), landing at (0, 10) with a dogleg of 5 to the
        // right; arrow size 4 at the tip, pointing down.
        var multileader = Tags(0, "MULTILEADER", 8, "0", 100, "AcDbMLeader", 340, "0", 170, 1, 291, 1)
            + Tags(300, "CONTEXT_DATA{", 40, 1.0, 10, 0, 20, 0, 30, 0, 140, 4.0, 145, 1.0, 290, 0, 296, 0)
            + Tags(302, "LEADER{", 290, 1, 291, 1, 10, 0, 20, 10, 30, 0, 11, 1, 21, 0, 31, 0, 90, 0, 40, 5.0)
            + Tags(304, "LEADER_LINE{", 10, 0, 20, 0, 30, 0, 91, 0, 305, "}")
            + Tags(271, 0, 303, "}", 301, "}");

        var document = Read(Document(multileader));

        document.Bounds.MinX.Should().BeApproximately(-4 * HalfHeight, Precision);
        document.Bounds.MaxX.Should().Be(5);
        document.Bounds.MinY.Should().Be(0);
        document.Bounds.MaxY.Should().Be(10);
        document.Metadata.BoundsAccuracy.Should().Be(BoundsAccuracy.Exact);
    }

    [Fact]
    public void Multileader_with_invisible_leaders_and_only_text_has_no_geometry_to_bound()
    {
        var multileader = Tags(0, "MULTILEADER", 8, "0", 340, "0", 170, 0)
            + Tags(300, "CONTEXT_DATA{", 40, 1.0, 140, 4.0, 290, 1, 304, "Label", 12, 3, 22, 4, 32, 0)
            + Tags(302, "LEADER{", 10, 0, 20, 10, 30, 0, 304, "LEADER_LINE{", 10, 0, 20, 0, 30, 0, 305, "}", 303, "}", 301, "}");

        var document = Read(Document(multileader));

        document.Kinds.Should().Equal(new NamedCount("MULTILEADER", 1));
        document.Bounds.Should().Be(BoundingBox.Empty, "its only graphics are text, which the extents leave out");
    }
}
