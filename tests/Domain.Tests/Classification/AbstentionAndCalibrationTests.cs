using CadMl.Domain.Classification;

namespace CadMl.Domain.Tests.Classification;

public sealed class AbstentionAndCalibrationTests
{
    private static readonly AbstentionPolicy Policy = new(MaxDistance: 2.5, MinConfidence: 0.6);

    [Theory]
    [InlineData(0.95, 1.0, null)]
    [InlineData(0.95, 2.5, null)]
    [InlineData(0.95, 2.6, AbstentionReason.OutOfDistribution)]
    [InlineData(0.40, 9.0, AbstentionReason.OutOfDistribution)]
    [InlineData(0.59, 1.0, AbstentionReason.LowConfidence)]
    [InlineData(0.60, 1.0, null)]
    [InlineData(0.95, double.NaN, AbstentionReason.OutOfDistribution)]
    public void Unfamiliar_parts_are_refused_before_unsure_ones(double confidence, double distance, AbstentionReason? expected) =>
        Policy.Decide(confidence, distance).Should().Be(expected);

    [Fact]
    public void Reasons_have_the_names_the_api_reports() =>
        Enum.GetValues<AbstentionReason>().Select(r => r.Name()).Should().Equal("out_of_distribution", "low_confidence");

    [Fact]
    public void Thresholds_are_read_from_metadata_in_the_invariant_culture()
    {
        var problems = new List<string>();
        var policy = AbstentionPolicy.Read(new Dictionary<string, string> { ["abstention_max_distance"] = "3.25", ["abstention_min_confidence"] = "0.5" }, problems);

        problems.Should().BeEmpty();
        policy.Should().Be(new AbstentionPolicy(3.25, 0.5));
    }

    [Fact]
    public void A_perfectly_calibrated_set_has_zero_ece_and_an_overconfident_one_the_gap()
    {
        // 10 parts at confidence 0.8, 8 right: calibrated. 10 at 0.9 with 6 right: 0.3 off in its bin.
        var confidences = Enumerable.Repeat(0.8, 10).ToList();
        var correct = Enumerable.Range(0, 10).Select(i => i < 8).ToList();
        ConfidenceCalibration.ExpectedCalibrationError(confidences, correct).Should().BeApproximately(0, 1e-12);

        var over = Enumerable.Repeat(0.9, 10).ToList();
        var overCorrect = Enumerable.Range(0, 10).Select(i => i < 6).ToList();
        ConfidenceCalibration.ExpectedCalibrationError([.. confidences, .. over], [.. correct, .. overCorrect]).Should().BeApproximately(0.15, 1e-12);
    }

    [Fact]
    public void Ece_bins_are_closed_on_the_right_like_the_reference_definition()
    {
        // 1/15 belongs to the first bin, just above it to the second: each bin alone is off by its own gap.
        ConfidenceCalibration.ExpectedCalibrationError([1.0 / 15, 1.0 / 15 + 1e-9], [false, true], bins: 15)
            .Should().BeApproximately((0.5 * (1.0 / 15)) + (0.5 * (1 - (1.0 / 15) - 1e-9)), 1e-12);
    }

    [Fact]
    public void Temperature_scaling_recovers_the_temperature_that_generated_the_labels_and_lowers_the_ece()
    {
        // Labels drawn from softmax(logits / 3): the raw logits are overconfident by a factor of 3.
        var random = new Random(5);
        var logits = new List<double[]>();
        var labels = new List<int>();
        for (var i = 0; i < 4000; i++)
        {
            var row = Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 12).ToArray();
            var p = ConfidenceCalibration.Softmax(row, 3);
            var u = random.NextDouble();
            var label = 0;
            for (var acc = p[0]; acc < u && label < 3; acc += p[++label])
            {
            }

            logits.Add(row);
            labels.Add(label);
        }

        var temperature = ConfidenceCalibration.FitTemperature(logits, labels);

        temperature.Should().BeApproximately(3, 0.25);
        double Ece(double t)
        {
            var judged = logits.Select(l => ConfidenceCalibration.Softmax(l, t)).ToList();
            return ConfidenceCalibration.ExpectedCalibrationError(
                [.. judged.Select(p => p.Max())], [.. judged.Select((p, i) => Array.IndexOf(p, p.Max()) == labels[i])]);
        }

        Ece(temperature).Should().BeLessThan(0.03).And.BeLessThan(Ece(1) / 3);
    }

    [Fact]
    public void Temperature_never_changes_which_class_wins()
    {
        double[] logits = [1.5, -0.3, 4.2, 4.1];
        foreach (var t in new[] { 0.1, 1, 7 })
        {
            var p = ConfidenceCalibration.Softmax(logits, t);
            Array.IndexOf(p, p.Max()).Should().Be(2);
            p.Sum().Should().BeApproximately(1, 1e-12);
        }
    }
}
