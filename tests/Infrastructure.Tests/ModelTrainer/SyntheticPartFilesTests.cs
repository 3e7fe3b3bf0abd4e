using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.ModelTrainer;
using CadMl.ModelTrainer.Solids;

namespace CadMl.Infrastructure.Tests.ModelTrainer;

/// <summary>
/// The training tool writes its synthetic parts as real STL and STEP files; the classifier is only
/// as good as what the service's readers make of them, so the files are checked through those readers.
/// </summary>
public sealed class SyntheticPartFilesTests
{
    public static TheoryData<string> Families => new(SyntheticParts.Families);

    [Theory]
    [MemberData(nameof(Families))]
    public void A_step_solid_reads_as_one_solid_with_its_faces_surface_types_and_the_extents_of_its_geometry(string family)
    {
        var random = new Random(7);
        var brep = SolidParts.Build(family, random, splitFullCircles: true);
        var placement = Placement.Random(random);

        var document = new StepReader().Read(StepWriter.Write(brep, placement, family, StepLengthUnit.Inch), CancellationToken.None);

        document.Kinds.Should().Equal(new NamedCount("SOLID", 1));
        document.Metadata.Solids.Should().Be(1);
        document.Metadata.Facts!["source_length_unit"].Should().Be("inch");
        document.Brep!.Faces.Should().Be(brep.Faces.Count);
        document.Brep.SurfaceTypes.ToDictionary(t => t.Name, t => t.Count).Should().Equal(
            brep.Faces.GroupBy(f => f.Surface.Kind).ToDictionary(g => g.Key.ToString().ToLowerInvariant(), g => g.Count()));
        var expected = Extents(brep, placement);
        foreach (var (actual, wanted) in new[]
        {
            (document.Bounds.MinX, expected.MinX), (document.Bounds.MinY, expected.MinY), (document.Bounds.MinZ, expected.MinZ),
            (document.Bounds.MaxX, expected.MaxX), (document.Bounds.MaxY, expected.MaxY), (document.Bounds.MaxZ, expected.MaxZ),
        })
        {
            actual.Should().BeApproximately(wanted, 0.01, "the reader bounds the solid by its vertices and true arc extents, in millimetres");
        }
    }

    [Fact]
    public void A_gear_solid_has_b_spline_flanks_and_a_stepped_shaft_with_chamfers_has_cones()
    {
        var gear = SolidParts.Build("gear", new Random(3), splitFullCircles: false);
        gear.Faces.Should().Contain(f => f.Surface.Kind == SurfaceKind.BSpline);

        var shafts = Enumerable.Range(0, 20).Select(seed => SolidParts.Build("shaft", new Random(seed), splitFullCircles: false));
        shafts.Should().Contain(s => s.Faces.Any(f => f.Surface.Kind == SurfaceKind.Cone));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void An_stl_mesh_is_closed_faces_outward_and_reads_with_every_triangle_in_both_encodings(string family)
    {
        var random = new Random(11);
        var brep = SolidParts.Build(family, random, splitFullCircles: false);
        var mesh = Tessellation.Mesh(brep, new MeshTolerance(0.05, Math.PI / 12));

        // Closed and consistently wound: every directed edge is matched by its reverse exactly as often.
        var directed = mesh.SelectMany(t => new[] { (t.A, t.B), (t.B, t.C), (t.C, t.A) }).GroupBy(e => e).ToDictionary(g => g.Key, g => g.Count());
        directed.Where(e => directed.GetValueOrDefault((e.Key.Item2, e.Key.Item1)) != e.Value).Should().BeEmpty();
        mesh.Sum(t => t.A.Dot(t.B.Cross(t.C)) / 6).Should().BePositive("normals point out of the solid");

        foreach (var binary in new[] { false, true })
        {
            var document = new StlReader().Read(StlWriter.Write(mesh, Placement.Random(random), family, binary), CancellationToken.None);
            document.Metadata.Facets.Should().Be(mesh.Count);
            document.Kinds.Should().Equal(new NamedCount("FACET", mesh.Count));
        }
    }

    [Fact]
    public void A_polygon_with_holes_is_cut_into_triangles_that_cover_exactly_its_area()
    {
        (double X, double Y)[] outer = [(0, 0), (10, 0), (10, 10), (0, 10)];
        (double X, double Y)[] left = [(2, 2), (4, 2), (4, 4), (2, 4)];
        (double X, double Y)[] right = [(6, 6), (8, 6), (8, 8), (6, 8)];
        var points = outer.Concat(left).Concat(right).ToArray();

        var triangles = PolygonTriangulation.Triangulate([outer, left, right]);

        triangles.Should().HaveCount(12 + (2 * 2) - 2, "n vertices and h holes give n + 2h − 2 triangles");
        triangles.Sum(t => Math.Abs(((points[t.B].X - points[t.A].X) * (points[t.C].Y - points[t.A].Y)) - ((points[t.B].Y - points[t.A].Y) * (points[t.C].X - points[t.A].X))) / 2)
            .Should().BeApproximately(100 - 4 - 4, 1e-9);
    }

    [Fact]
    public void The_same_seed_writes_the_same_files()
    {
        foreach (var format in SyntheticParts.Formats)
        {
            SyntheticParts.Write("flange", format, "f", new Random(5)).Should().Equal(SyntheticParts.Write("flange", format, "f", new Random(5)));
        }
    }

    /// <summary>The extents of every edge, cut finely enough that its polyline strays at most a micrometre from it.</summary>
    private static BoundingBox Extents(Brep brep, Placement placement)
    {
        var points = brep.Edges.SelectMany(e => e.Points(new MeshTolerance(1e-3, Math.PI / 8))).Select(placement.Point).ToList();
        return new BoundingBox(points.Min(p => p.X), points.Min(p => p.Y), points.Min(p => p.Z), points.Max(p => p.X), points.Max(p => p.Y), points.Max(p => p.Z));
    }
}
