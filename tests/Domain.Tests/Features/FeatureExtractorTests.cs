using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Domain.Tests.Features;

public sealed class FeatureExtractorTests
{
    private static CountTable Counts(params (string Name, int Count)[] counts) =>
        new(counts.Select(c => new NamedCount(c.Name, c.Count)));

    private static void ShouldMatch(FeatureVector actual, double[] expected)
    {
        actual.Values.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = Math.Abs(expected[i]) * 1e-12;
            actual.Values[i].Should().BeApproximately(expected[i], tolerance, $"slot {i} ({FeatureSlots.All[i].Name})");
        }
    }

    [Fact]
    public void Golden_document_A_gives_the_published_v4_vector()
    {
        var document = new CadDocument(
            CadFormat.Dxf,
            Counts(("LINE", 2), ("CIRCLE", 1), ("ARC", 1), ("FACE", 1)),
            Counts(("0", 2), ("A", 2)),
            new BoundingBox(0, 0, 0, 10, 5, 2),
            new CadMetadata(Solids: 1, Facets: 3));

        ShouldMatch(FeatureExtractor.Extract(document, FeatureVersion.V4),
        [
            5, 10, 5, 2, 100, 2, 0, 1, 0.5, 0.2, 2, 5, 1, 3, 20, 0.2, 0.6, 0.4, 0.2, 0.2, 0.2, 0, 1, 0.9874687506009635,
        ]);
    }

    [Fact]
    public void Golden_facet_mesh_gives_the_published_v4_vector()
    {
        var document = new CadDocument(
            CadFormat.Stl, Counts(("FACET", 12)), new CountTable(), new BoundingBox(-1, -1, -1, 1, 1, 1), new CadMetadata(Facets: 12));

        ShouldMatch(FeatureExtractor.Extract(document, FeatureVersion.V4),
        [
            12, 2, 2, 2, 8, 0, 0, 1, 1, 1, 1, 1, 0, 12, 0.6666666666666666, 0, 1, 1, 0, 0, 0, 0, 12, 0,
        ]);
    }

    [Fact]
    public void Golden_single_line_gives_the_published_v2_vector()
    {
        var document = new CadDocument(
            CadFormat.Dxf, Counts(("LINE", 1)), Counts(("0", 1)), new BoundingBox(0, 0, 0, 4, 0, 0), CadMetadata.None);

        ShouldMatch(FeatureExtractor.Extract(document, FeatureVersion.V2), [1, 4, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    }

    [Theory]
    [InlineData(FeatureVersion.V1, 7)]
    [InlineData(FeatureVersion.V2, 12)]
    [InlineData(FeatureVersion.V3, 22)]
    [InlineData(FeatureVersion.V4, 24)]
    public void An_empty_document_gives_an_all_zero_vector_of_the_version_length(FeatureVersion version, int dimension)
    {
        var empty = new CadDocument(CadFormat.Dxf, new CountTable(), new CountTable(), BoundingBox.Empty, CadMetadata.None);

        var vector = FeatureExtractor.Extract(empty, version);

        vector.Values.Should().HaveCount(dimension).And.OnlyContain(v => v == 0);
    }

    [Fact]
    public void Every_version_up_to_v4_is_a_prefix_of_the_next()
    {
        var document = new CadDocument(
            CadFormat.Dxf, Counts(("LINE", 7), ("ARC", 3), ("CIRCLE", 3)), Counts(("0", 13)), new BoundingBox(1, 2, 0, 9, 4, 0), CadMetadata.None);

        var v4 = FeatureExtractor.Extract(document, FeatureVersion.V4).Values;
        foreach (var version in FeatureVersions.All.Where(v => FeatureVersions.ArePrefixCompatible(v, FeatureVersion.V4)))
        {
            FeatureExtractor.Extract(document, version).Values.Should().Equal(v4.Take(version.Dimension()));
        }
    }

    [Theory]
    [InlineData(new[] { 10, 4, 2 }, 0.8730854735266304)]
    [InlineData(new[] { 1, 1, 1, 1 }, 1.0)]
    [InlineData(new[] { 100, 1 }, 0.1381572285625266)]
    [InlineData(new[] { 2, 1 }, 0.9709505944546685)]
    [InlineData(new[] { 42 }, 0.0)]
    [InlineData(new int[0], 0.0)]
    public void Shape_entropy_matches_the_golden_values_to_the_last_digit(int[] counts, double expected)
    {
        var table = new CountTable(counts.Select((c, i) => new NamedCount($"K{i}", c)));

        FeatureExtractor.ShapeEntropy(table).Should().Be(expected);
    }

    [Fact]
    public void Top_kind_frequencies_keep_first_seen_order_on_ties_and_take_five()
    {
        var document = new CadDocument(
            CadFormat.Dxf,
            Counts(("A", 1), ("B", 3), ("C", 1), ("D", 3), ("E", 2), ("F", 1), ("G", 5)),
            new CountTable(),
            BoundingBox.Empty,
            CadMetadata.None);

        var top = FeatureExtractor.Extract(document, FeatureVersion.V3).Values.Skip(17).ToArray();

        top.Should().Equal(5 / 16.0, 3 / 16.0, 3 / 16.0, 2 / 16.0, 1 / 16.0);
    }

    [Fact]
    public void Surface_count_prefers_brep_faces_then_surface_types_then_metadata()
    {
        var kinds = Counts(("SOLID", 1), ("FACE", 4));
        Document(kinds, new BrepSummary(6, Counts(("plane", 6))), new CadMetadata(Surfaces: 9)).Should().Be(6);
        Document(kinds, new BrepSummary(0, Counts(("plane", 2), ("cylinder", 3))), new CadMetadata(Surfaces: 9)).Should().Be(5);
        Document(kinds, null, new CadMetadata(Surfaces: 0)).Should().Be(0, "metadata.surfaces counts even when it is 0");
        Document(kinds, null, CadMetadata.None).Should().Be(4, "FACE entities are face-like");
        Document(Counts(("LINE", 2)), null, new CadMetadata(Facets: 7, Solids: 2)).Should().Be(7);
        Document(Counts(("LINE", 2)), null, new CadMetadata(Solids: 2)).Should().Be(2);
        Document(Counts(("LINE", 2)), null, CadMetadata.None).Should().Be(0);

        static double Document(CountTable kinds, BrepSummary? brep, CadMetadata metadata) =>
            FeatureExtractor.SurfaceCount(new CadDocument(CadFormat.Step, kinds, new CountTable(), BoundingBox.Empty, metadata, brep));
    }

    [Fact]
    public void Shape_entropy_uses_brep_surface_types_when_any_is_positive()
    {
        var document = new CadDocument(
            CadFormat.Step, Counts(("SOLID", 1)), new CountTable(), BoundingBox.Empty, CadMetadata.None,
            new BrepSummary(101, Counts(("BOX", 100), ("CYLINDER", 1))));

        FeatureExtractor.Extract(document, FeatureVersion.V4).Values[23].Should().Be(0.1381572285625266);
    }

    [Fact]
    public void Complexity_flag_switches_exactly_at_500_entities()
    {
        Flag(499).Should().Be(0);
        Flag(500).Should().Be(1);

        static double Flag(int n) => FeatureExtractor.Extract(
            new CadDocument(CadFormat.Dxf, Counts(("LINE", n)), new CountTable(), BoundingBox.Empty, CadMetadata.None), FeatureVersion.V1).Values[6];
    }
}
