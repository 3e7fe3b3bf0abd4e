using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Domain.Tests.Migration;

/// <summary>v5 vectors of the earlier 73-slot layout: which reach today's v5 exactly, and which need their file.</summary>
public sealed class EarlierLayoutTests
{
    private static readonly double[] Earlier = [.. Enumerable.Range(1, EarlierLayouts.V5BeforeStrokes).Select(i => i / 10.0)];

    [Theory]
    [InlineData(CadFormat.Step)]
    [InlineData(CadFormat.Iges)]
    [InlineData(CadFormat.Stl)]
    public void An_earlier_v5_vector_of_a_format_without_strokes_plans_as_a_pad_to_103_and_keeps_its_values(CadFormat format)
    {
        var item = MigrationPlanner.Plan(new MigrationCandidate("a", FeatureVersion.V5, Earlier.Length, HasDocument: false, Format: format), FeatureVersion.V5);

        item.Status.Should().Be(MigrationItemStatus.UpgradePreview);
        item.Method.Should().Be(MigrationMethod.Pad);
        (item.DimensionBefore, item.DimensionAfter).Should().Be((73, 103));
        var moved = VectorMigration.Apply(item, Earlier, null, out var error);
        error.Should().BeNull();
        moved!.Values.Should().Equal([.. Earlier, .. new double[30]]);
    }

    [Fact]
    public void An_earlier_v5_drawing_or_a_vector_of_unknown_format_needs_its_original_file()
    {
        var drawing = MigrationPlanner.Plan(new MigrationCandidate("d", FeatureVersion.V5, 73, HasDocument: true, Format: CadFormat.Dxf), FeatureVersion.V5);
        var unknown = MigrationPlanner.Plan(new MigrationCandidate("u", FeatureVersion.V5, 73, HasDocument: false), FeatureVersion.V5);

        foreach (var item in new[] { drawing, unknown })
        {
            item.Status.Should().Be(MigrationItemStatus.ErrorPreview);
            item.Error.Should().StartWith(MigrationPlanner.NeedsOriginalFileError);
            VectorMigration.Apply(item, Earlier, null, out var error).Should().BeNull();
            error.Should().NotBeNull();
        }

        MigrationPlanner.Summarise([drawing, unknown]).Feasible.Should().BeFalse();
    }

    [Fact]
    public void An_earlier_v5_vector_goes_to_no_other_version_before_it_is_at_todays_v5()
    {
        var item = MigrationPlanner.Plan(new MigrationCandidate("a", FeatureVersion.V5, 73, HasDocument: true, Format: CadFormat.Step), FeatureVersion.V4);

        item.Status.Should().Be(MigrationItemStatus.ErrorPreview);
        item.Error.Should().Contain("migrate it to v5 first");
    }

    [Fact]
    public void Other_lengths_stay_damaged_rows_and_todays_length_is_not_earlier()
    {
        EarlierLayouts.IsEarlier(FeatureVersion.V5, 103).Should().BeFalse();
        EarlierLayouts.IsEarlier(FeatureVersion.V4, 73).Should().BeFalse();
        EarlierLayouts.Upgrade(FeatureVersion.V5, new double[72], CadFormat.Step).Should().BeNull();
        MigrationPlanner.Plan(new MigrationCandidate("x", FeatureVersion.V5, 45, HasDocument: false, Format: CadFormat.Step), FeatureVersion.V5)
            .Error.Should().Be("vector has 45 values but v5 has 103");
    }

    [Fact]
    public void A_drawing_digest_with_edges_but_no_strokes_predates_the_stroke_slots_and_lacks_v5_facts()
    {
        var before = new ShapeSummary(10, 1, [0.5, 0.3, 0.2], new double[10], new double[12], Edges: new double[26]);
        var today = before with { Strokes = new double[30] };

        EarlierLayouts.HasV5Facts(Drawing(before)).Should().BeFalse();
        EarlierLayouts.HasV5Facts(Drawing(today)).Should().BeTrue();
        EarlierLayouts.HasV5Facts(Drawing(before with { Edges = null })).Should().BeTrue("a drawing without edges has no strokes either");
        EarlierLayouts.HasV5Facts(Drawing(before) with { Format = CadFormat.Step }).Should().BeTrue("only drawings have strokes");
        EarlierLayouts.HasV5Facts(Drawing(null)).Should().BeFalse("no digest: stored before v5");
        MigrationPlanner.Plan(new MigrationCandidate("v4", FeatureVersion.V4, 24, HasDocument: true, HasShapeFacts: false, Format: CadFormat.Dxf), FeatureVersion.V5)
            .Error.Should().StartWith(MigrationPlanner.NeedsOriginalFileError);
    }

    private static CadDocument Drawing(ShapeSummary? shape) => new(
        CadFormat.Dxf,
        new CountTable([new("LINE", 4)]),
        new CountTable([new("0", 4)]),
        new BoundingBox(0, 0, 0, 10, 10, 0),
        new CadMetadata(),
        null,
        shape);
}
