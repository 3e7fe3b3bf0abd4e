using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Domain.Tests.Migration;

public sealed class MigrationPlannerTests
{
    private static MigrationPreviewStats Preview(FeatureVersion target, params (FeatureVersion Version, int Length, bool Document)[] vectors) =>
        MigrationPlanner.Summarise([.. vectors.Select((v, i) => MigrationPlanner.Plan(new MigrationCandidate($"v{i}", v.Version, v.Length, v.Document), target))]);

    [Fact]
    public void An_empty_store_gives_nulls_and_no_warnings()
    {
        var stats = Preview(FeatureVersion.V4);

        stats.AvgDelta.Should().BeNull();
        stats.MedianDelta.Should().BeNull();
        stats.Warnings.Should().BeEmpty();
        stats.Feasible.Should().BeTrue();
        (stats.Positive, stats.Negative, stats.Zero).Should().Be((0, 0, 0));
    }

    [Fact]
    public void Two_v1_vectors_to_v4_both_upgrade_by_17_with_a_growth_spike()
    {
        var items = new[] { Plan(FeatureVersion.V1, 7), Plan(FeatureVersion.V1, 7) };

        items.Should().OnlyContain(i => i.Status == MigrationItemStatus.UpgradePreview && i.DimensionBefore == 7 && i.DimensionAfter == 24);
        var stats = MigrationPlanner.Summarise(items);
        stats.AvgDelta.Should().Be(17);
        stats.MedianDelta.Should().Be(17);
        stats.Positive.Should().Be(2);
        stats.Warnings.Should().Equal(MigrationPlanner.GrowthSpikeWarning);
        stats.Feasible.Should().BeTrue();

        static MigrationPlanItem Plan(FeatureVersion from, int length) =>
            MigrationPlanner.Plan(new MigrationCandidate("x", from, length, HasDocument: false), FeatureVersion.V4);
    }

    [Fact]
    public void V3_v4_and_v2_to_v4_change_two_keep_one_and_average_7()
    {
        var stats = Preview(FeatureVersion.V4, (FeatureVersion.V3, 22, true), (FeatureVersion.V4, 24, true), (FeatureVersion.V2, 12, true));

        (stats.Positive, stats.Negative, stats.Zero).Should().Be((2, 0, 1));
        stats.AvgDelta.Should().Be(7);
        stats.MedianDelta.Should().Be(7, "an even count takes the mean of the two middle deltas (2 and 12)");
        stats.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void Two_v4_vectors_to_v1_are_not_feasible_and_warn_of_lost_dimensions_and_negative_skew()
    {
        var stats = Preview(FeatureVersion.V1, (FeatureVersion.V4, 24, false), (FeatureVersion.V4, 24, false));

        stats.Feasible.Should().BeFalse();
        stats.MedianDelta.Should().Be(-17);
        stats.Warnings.Should().Contain(MigrationPlanner.LosesDimensionsWarning).And.Contain(MigrationPlanner.NegativeSkewWarning);
    }

    [Fact]
    public void A_vector_whose_length_does_not_match_its_version_is_an_error_preview_with_the_reason()
    {
        var item = MigrationPlanner.Plan(new MigrationCandidate("bad", FeatureVersion.V3, 7, HasDocument: false), FeatureVersion.V4);

        item.Status.Should().Be(MigrationItemStatus.ErrorPreview);
        item.Error.Should().Be("vector has 7 values but v3 has 22");
        MigrationPlanner.Summarise([item]).Warnings.Should().ContainSingle().Which.Should().StartWith("bad: vector has 7");
    }

    [Theory]
    [InlineData(FeatureVersion.V2, FeatureVersion.V4, true, MigrationMethod.Recompute)]
    [InlineData(FeatureVersion.V2, FeatureVersion.V4, false, MigrationMethod.Pad)]
    [InlineData(FeatureVersion.V4, FeatureVersion.V2, false, MigrationMethod.Truncate)]
    [InlineData(FeatureVersion.V4, FeatureVersion.V2, true, MigrationMethod.Recompute)]
    public void The_method_is_recompute_whenever_the_document_is_kept(FeatureVersion from, FeatureVersion to, bool document, MigrationMethod method)
    {
        MigrationPlanner.Plan(new MigrationCandidate("x", from, from.Dimension(), document), to).Method.Should().Be(method);
    }

    [Fact]
    public void Exactly_half_losing_dimensions_is_still_feasible()
    {
        var stats = Preview(FeatureVersion.V2, (FeatureVersion.V4, 24, true), (FeatureVersion.V1, 7, true));

        stats.Feasible.Should().BeTrue();
        stats.Warnings.Should().NotContain(MigrationPlanner.LosesDimensionsWarning);
    }
}
