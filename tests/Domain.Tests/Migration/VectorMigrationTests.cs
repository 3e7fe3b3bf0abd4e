using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Domain.Tests.Migration;

public sealed class VectorMigrationTests
{
    private static readonly CadDocument Document = new(
        CadFormat.Step,
        new CountTable([new("FACE", 6), new("EDGE", 12), new("VERTEX", 8)]),
        new CountTable([new("0", 26)]),
        new BoundingBox(0, 0, 0, 10, 20, 5),
        new CadMetadata(Solids: 1),
        new BrepSummary(6, new CountTable([new("plane", 6)])));

    [Fact]
    public void A_recomputed_upgrade_equals_a_fresh_extraction_bit_for_bit()
    {
        var v3 = FeatureExtractor.Extract(Document, FeatureVersion.V3);
        var item = MigrationPlanner.Plan(new MigrationCandidate("a", FeatureVersion.V3, 22, HasDocument: true), FeatureVersion.V4);

        var migrated = VectorMigration.Apply(item, v3, Document, out var error);

        error.Should().BeNull();
        migrated!.Values.Select(BitConverter.DoubleToInt64Bits)
            .Should().Equal(FeatureExtractor.Extract(Document, FeatureVersion.V4).Values.Select(BitConverter.DoubleToInt64Bits));
        migrated.Values[22].Should().NotBe(0, "recompute fills surface_count where padding would put 0");
    }

    [Fact]
    public void Without_a_document_an_upgrade_pads_with_zeros_and_a_downgrade_truncates()
    {
        FeatureVector.TryCreate(FeatureVersion.V2, [.. Enumerable.Range(1, 12).Select(i => (double)i)], out var v2);

        var up = VectorMigration.Apply(MigrationPlanner.Plan(new MigrationCandidate("a", FeatureVersion.V2, 12, false), FeatureVersion.V3), v2!, null, out _);
        var down = VectorMigration.Apply(MigrationPlanner.Plan(new MigrationCandidate("a", FeatureVersion.V2, 12, false), FeatureVersion.V1), v2!, null, out _);

        up!.Values.Should().Equal([.. v2!.Values, .. new double[10]]);
        down!.Values.Should().Equal(v2.Values.Take(7));
    }

    [Fact]
    public void A_document_is_the_source_only_when_it_reproduces_the_stored_vector()
    {
        var v3 = FeatureExtractor.Extract(Document, FeatureVersion.V3).Values.ToArray();

        VectorMigration.IsSourceOf(Document, FeatureVersion.V3, v3).Should().BeTrue();
        v3[4] = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(v3[4]) + 1);
        VectorMigration.IsSourceOf(Document, FeatureVersion.V3, v3).Should().BeFalse("one ulp apart is not the same vector");
        VectorMigration.IsSourceOf(Document, FeatureVersion.V4, v3).Should().BeFalse("a length that does not fit the version never matches");
    }

    [Fact]
    public void An_error_item_yields_no_vector_and_keeps_its_reason()
    {
        var item = MigrationPlanner.Plan(new MigrationCandidate("bad", FeatureVersion.V3, 7, false), FeatureVersion.V4);
        FeatureVector.TryCreate(FeatureVersion.V1, new double[7], out var anything);

        VectorMigration.Apply(item, anything!, null, out var error).Should().BeNull();
        error.Should().Be("vector has 7 values but v3 has 22");
    }

    [Fact]
    public void Non_finite_results_are_refused()
    {
        FeatureVector.TryCreate(FeatureVersion.V1, [1, double.PositiveInfinity, 0, 0, 0, 0, 0], out var v1);
        var item = MigrationPlanner.Plan(new MigrationCandidate("inf", FeatureVersion.V1, 7, false), FeatureVersion.V2);

        VectorMigration.Apply(item, v1!, null, out var error).Should().BeNull();
        error.Should().Be("the v2 values would not be finite numbers");
    }

    [Theory]
    [InlineData(FeatureVersion.V3, FeatureVersion.V4, false, MigrationOutcome.Migrated)]
    [InlineData(FeatureVersion.V4, FeatureVersion.V3, false, MigrationOutcome.Downgraded)]
    [InlineData(FeatureVersion.V4, FeatureVersion.V4, false, MigrationOutcome.Skipped)]
    [InlineData(FeatureVersion.V3, FeatureVersion.V4, true, MigrationOutcome.DryRun)]
    [InlineData(FeatureVersion.V4, FeatureVersion.V4, true, MigrationOutcome.Skipped)]
    public void Outcomes_follow_the_plan_and_a_dry_run_moves_nothing(FeatureVersion from, FeatureVersion to, bool dryRun, MigrationOutcome expected)
    {
        var item = MigrationPlanner.Plan(new MigrationCandidate("x", from, from.Dimension(), false), to);

        VectorMigration.OutcomeOf(item, dryRun).Should().Be(expected);
    }

    [Fact]
    public void An_unreadable_row_is_an_error_that_counts_in_no_statistic_but_in_the_warnings()
    {
        var bad = MigrationPlanner.Unreadable("odd", 24, FeatureVersion.V4, "unknown feature version 'v9'");
        var good = MigrationPlanner.Plan(new MigrationCandidate("ok", FeatureVersion.V3, 22, false), FeatureVersion.V4);

        var stats = MigrationPlanner.Summarise([bad, good]);

        VectorMigration.OutcomeOf(bad, dryRun: false).Should().Be(MigrationOutcome.Error);
        (stats.Positive, stats.Negative, stats.Zero).Should().Be((1, 0, 0));
        stats.AvgDelta.Should().Be(2);
        stats.Feasible.Should().BeFalse();
        stats.Warnings.Should().Equal("odd: unknown feature version 'v9'");
    }
}
