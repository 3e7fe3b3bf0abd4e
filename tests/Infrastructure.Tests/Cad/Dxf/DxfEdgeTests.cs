using CadMl.Domain.Cad;
using static CadMl.Infrastructure.Tests.Cad.Dxf.TestDxf;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Which straight DXF edges reach the v5 edge-length descriptors: polyline segments (the closing
/// one included), SOLID/TRACE/3DFACE outlines, 3D polylines, and all of them inside blocks as
/// INSERT places them. Layout of <see cref="ShapeSummary.Edges"/>: 0–4 length quantiles, 5–6 the
/// median length's decade phase, 7–9 shares of straight/circular/other edges, 15 log10(1 + edges).
/// </summary>
public sealed class DxfEdgeTests
{
    private const int PhaseCos = 5;
    private const int StraightShare = 7;
    private const int CircularShare = 8;
    private const int EdgeLog = 15;

    [Fact]
    public void A_closed_lwpolyline_measures_every_side_including_the_closing_one()
    {
        var edges = Edges(LwPolyline(closed: true, (0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0)));

        edges[EdgeLog].Should().BeApproximately(Math.Log10(1 + 4), 1e-12);
        edges[StraightShare].Should().Be(1);
        edges[PhaseCos].Should().BeApproximately(1, 1e-12, "every side is 10 long, a whole decade");
    }

    [Fact]
    public void An_open_lwpolyline_has_no_closing_side_and_a_bulge_is_an_arc_not_a_straight_edge()
    {
        var edges = Edges(LwPolyline(closed: false, (0, 0, 0), (10, 0, 1), (10, 10, 0), (0, 10, 0)));

        edges[EdgeLog].Should().BeApproximately(Math.Log10(1 + 3), 1e-12);
        edges[StraightShare].Should().BeApproximately(2.0 / 3, 1e-12);
        edges[CircularShare].Should().BeApproximately(1.0 / 3, 1e-12);
    }

    [Fact]
    public void An_r12_polyline_measures_the_same_edges_as_the_lwpolyline()
    {
        var r12 = Tags(0, "POLYLINE", 8, "0", 66, 1, 70, 1, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 10, 10, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 10, 10, 20, 10, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 10, 0, 20, 10, 30, 0)
            + Tags(0, "SEQEND", 8, "0");

        Edges(r12).Should().Equal(Edges(LwPolyline(closed: true, (0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0))));
    }

    [Fact]
    public void A_3d_polyline_measures_its_segments_and_a_polyface_mesh_does_not()
    {
        var polyline3D = Tags(0, "POLYLINE", 8, "0", 66, 1, 70, 8, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 32, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 32, 10, 3, 20, 4, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 32, 10, 3, 20, 4, 30, 12)
            + Tags(0, "SEQEND", 8, "0");
        var polyface = Tags(0, "POLYLINE", 8, "0", 66, 1, 70, 64, 71, 3, 72, 1, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 192, 10, 0, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 192, 10, 5, 20, 0, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 192, 10, 0, 20, 5, 30, 0)
            + Tags(0, "VERTEX", 8, "0", 70, 128, 10, 0, 20, 0, 30, 0, 71, 1, 72, 2, 73, 3)
            + Tags(0, "SEQEND", 8, "0");

        Edges(polyline3D)[EdgeLog].Should().BeApproximately(Math.Log10(1 + 2), 1e-12);
        Read(Document(polyface)).Shape!.Edges.Should().BeNull("a mesh's vertices are points, its faces are not measured as edges");
    }

    [Theory]
    [InlineData("SOLID", 10, 0, 0, 10, 10, 10)]
    [InlineData("TRACE", 10, 0, 0, 10, 10, 10)]
    [InlineData("3DFACE", 10, 0, 10, 10, 0, 10)]
    public void A_filled_outline_measures_its_sides_not_its_diagonals(string kind, double x2, double y2, double x3, double y3, double x4, double y4)
    {
        // SOLID and TRACE write their fourth corner opposite the first (outline 1, 2, 4, 3); a
        // 3DFACE writes its corners in outline order. Both describe the same 10 × 10 square.
        var filled = Tags(0, kind, 8, "0", 10, 0, 20, 0, 30, 0, 11, x2, 21, y2, 31, 0, 12, x3, 22, y3, 32, 0, 13, x4, 23, y4, 33, 0);

        var edges = Edges(filled);

        edges[EdgeLog].Should().BeApproximately(Math.Log10(1 + 4), 1e-12);
        edges[PhaseCos].Should().BeApproximately(1, 1e-12, "four sides of length 10; a diagonal (14.1) would move the median");
        edges[0].Should().BeApproximately(edges[4], 1e-12, "all four edges have the same length");
    }

    [Fact]
    public void A_triangular_solid_measures_three_sides()
    {
        var edges = Edges(Tags(0, "SOLID", 8, "0", 10, 0, 20, 0, 30, 0, 11, 10, 21, 0, 31, 0, 12, 0, 22, 10, 32, 0));

        edges[EdgeLog].Should().BeApproximately(Math.Log10(1 + 3), 1e-12);
    }

    [Fact]
    public void A_polyline_in_a_block_is_measured_as_the_insert_places_it()
    {
        // The block's 10 × 10 square inserted at twice the size and turned 30° is the same
        // drawing as a 20 × 20 square drawn turned in model space.
        var square = LwPolyline(closed: true, (0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0));
        var inserted = Read(Document(Insert("SQ", 5, 7, rotation: 30, sx: 2, sy: 2), blocks: Block("SQ", square))).Shape!.Edges!;
        var (sin, cos) = Math.SinCos(30 * Math.PI / 180);
        (double X, double Y, double Bulge) Placed(double x, double y) => (5 + (2 * ((x * cos) - (y * sin))), 7 + (2 * ((x * sin) + (y * cos))), 0);
        var drawn = Edges(LwPolyline(closed: true, Placed(0, 0), Placed(10, 0), Placed(10, 10), Placed(0, 10)));

        inserted.Should().HaveCount(drawn.Count);
        for (var i = 0; i < drawn.Count; i++)
        {
            inserted[i].Should().BeApproximately(drawn[i], 1e-9, $"edge descriptor {i}");
        }

        inserted[PhaseCos].Should().BeApproximately(Math.Cos(2 * Math.PI * Math.Log10(20)), 1e-9, "the sides are 20 long once placed");
    }

    private static IReadOnlyList<double> Edges(string entities)
    {
        var edges = Read(Document(entities)).Shape!.Edges;
        edges.Should().NotBeNull();
        return edges!;
    }

    private static string LwPolyline(bool closed, params (double X, double Y, double Bulge)[] vertices)
    {
        var tags = new List<object> { 0, "LWPOLYLINE", 8, "0", 90, vertices.Length, 70, closed ? 1 : 0 };
        foreach (var (x, y, bulge) in vertices)
        {
            tags.AddRange([10, x, 20, y, 42, bulge]);
        }

        return Tags([.. tags]);
    }
}
