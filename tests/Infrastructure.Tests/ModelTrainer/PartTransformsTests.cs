using CadMl.Domain.Features;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.ModelTrainer;

namespace CadMl.Infrastructure.Tests.ModelTrainer;

/// <summary>
/// The trainer's file transforms, which the model card's stability numbers rest on: a moved file,
/// re-read by the service's reader, must give the same v5 vector except for the size slot, or a
/// label change in the card would be the transform's fault rather than the model's.
/// </summary>
public sealed class PartTransformsTests
{
    /// <summary>
    /// Meshes and solids keep their vertices under a rigid motion, so v5 agrees to rounding. A drawing's
    /// circles are sampled from angle 0 of the drawing, so turning it moves those samples along the
    /// circle and the distance histograms' shares move by up to a few hundredths.
    /// </summary>
    public static TheoryData<string, string, double> Parts => new()
    {
        { "housing", "dxf", 0.05 }, { "gear", "dxf", 0.05 }, { "flange", "stl", 1e-4 }, { "shaft", "stl", 1e-4 }, { "gear", "step", 1e-4 }, { "bracket", "step", 1e-4 },
    };

    [Fact]
    public void A_drawing_scaled_x10_and_moved_reads_back_with_the_same_v5_shape_to_rounding()
    {
        var bytes = SyntheticParts.Write("housing", "dxf", "part", new Random(17));
        var placement = PartPlacement.Scaled(10) with { Offset = [250, -40, 0] };

        var (before, after) = (V5("dxf", bytes), V5("dxf", PartTransforms.Apply("dxf", bytes, placement)));

        var slots = FeatureSlots.Of(FeatureVersion.V5);
        Enumerable.Range(0, before.Count).Where(i => Math.Abs(before[i] - after[i]) > 1e-6).Select(i => slots[i].Name).Should().Equal("size_log");
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void A_rotated_scaled_and_moved_synthetic_part_reads_back_with_the_same_v5_shape(string family, string format, double tolerance)
    {
        var random = new Random(17);
        var bytes = SyntheticParts.Write(family, format, "part", random);
        var moved = PartTransforms.Apply(format, bytes, PartPlacement.Random(random, 10, planar: format == "dxf"));

        var before = V5(format, bytes);
        var after = V5(format, moved);

        var slots = FeatureSlots.Of(FeatureVersion.V5);
        for (var i = 0; i < before.Count; i++)
        {
            if (slots[i].Name != "size_log")
            {
                after[i].Should().BeApproximately(before[i], tolerance, $"slot {slots[i].Name} of a {format} {family}");
            }
        }
    }

    private static IReadOnlyList<double> V5(string format, byte[] bytes)
    {
        var document = format switch
        {
            "dxf" => new DxfReader().Read(bytes, CancellationToken.None),
            "stl" => new StlReader().Read(bytes, CancellationToken.None),
            _ => new StepReader().Read(bytes, CancellationToken.None),
        };
        return FeatureExtractor.Extract(document, FeatureVersion.V5).Values;
    }
}
