using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Tests.Cad.Occt;

namespace CadMl.Infrastructure.Tests.Cad.Step;

/// <summary>
/// Assemblies placed through the product structure, written in both relationship orders and
/// nested, checked against boxes computed by hand and against OpenCASCADE reading the same file.
/// The part is the cuboid [0,4]×[0,2]×[0,1].
/// </summary>
public sealed class StepAssemblyTests
{
    private static readonly (double, double, double) Up = (0, 0, 1);
    private static readonly (double, double, double) AlongX = (1, 0, 0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_placement_means_the_same_in_either_relationship_order(bool parentFirst)
    {
        var step = new StepAssemblies();
        var part = step.Cuboid("part", 4, 2, 1);
        var top = step.Assembly("top");
        // Turned 90° about z (local x along world y) and moved to (10,0,0): [8,10]×[0,4]×[0,1];
        // then moved up by 5 without turning: [0,4]×[0,2]×[5,6].
        step.Place(top, part, (10, 0, 0), Up, (0, 1, 0), parentFirst);
        step.Place(top, part, (0, 0, 5), Up, AlongX, parentFirst);

        var document = ReadAndCompareWithOcct(step, $"order-{(parentFirst ? "parent" : "child")}-first");

        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 10, 4, 6));
        document.Metadata.Facts!["body_instances"].Should().Be("2");
        document.Metadata.BoundsAccuracy.Should().Be(BoundsAccuracy.Exact);
    }

    [Fact]
    public void Nested_sub_assemblies_compose_their_placements_in_mixed_orders()
    {
        var step = new StepAssemblies();
        var part = step.Cuboid("part", 4, 2, 1);
        var sub = step.Assembly("sub");
        var top = step.Assembly("top");
        // The sub-assembly holds the part twice, written parent-first: [0,4]×[0,5]×[0,1].
        step.Place(sub, part, (0, 0, 0), Up, AlongX, parentFirst: true);
        step.Place(sub, part, (0, 3, 0), Up, AlongX, parentFirst: true);
        // The top holds the sub-assembly as is, and turned 180° about z at (100,0,0), child-first.
        step.Place(top, sub, (0, 0, 0), Up, AlongX, parentFirst: false);
        step.Place(top, sub, (100, 0, 0), Up, (-1, 0, 0), parentFirst: false);

        var document = ReadAndCompareWithOcct(step, "nested");

        document.Bounds.Should().Be(new BoundingBox(0, -5, 0, 100, 5, 1));
        document.Metadata.Facts!["body_instances"].Should().Be("4");
    }

    [Fact]
    public void More_placements_than_the_cap_make_a_partial_box_and_say_so()
    {
        var step = new StepAssemblies();
        var part = step.Cuboid("part", 1, 1, 1);
        var top = step.Assembly("top");
        for (var i = 0; i <= StepPlacements.MaxPlacements; i++)
        {
            step.Place(top, part, (2 * i, 0, 0), Up, AlongX, parentFirst: false);
        }

        var document = new StepReader().Read(step.Bytes(), CancellationToken.None);

        document.Metadata.Facts!["partial"].Should().Be("placements");
        document.Metadata.Facts["body_instances"].Should().Be(StepPlacements.MaxPlacements.ToString(System.Globalization.CultureInfo.InvariantCulture));
        document.Metadata.BoundsAccuracy!.Quality.Should().Be(BoundsQuality.Approximate);
        document.Metadata.BoundsAccuracy.Reasons.Should().Contain(BoundsAccuracy.PartialPlacements);
        document.Bounds.MaxX.Should().Be((2 * (StepPlacements.MaxPlacements - 1)) + 1, "the last placement was cut");
    }

    private static CadDocument ReadAndCompareWithOcct(StepAssemblies step, string name)
    {
        var folder = Directory.CreateTempSubdirectory("cadml-step-assembly-");
        try
        {
            var path = Path.Combine(folder.FullName, name + ".step");
            File.WriteAllBytes(path, step.Bytes());
            var document = new StepReader().Read(step.Bytes(), CancellationToken.None);
            var occt = OcctReference.Read(path)[path];

            occt.Box.Should().NotBeNull("OpenCASCADE reads the assembly");
            var box = occt.Box!.Value;
            var ours = document.Bounds;
            double[] expected = [box.MinX, box.MinY, box.MinZ, box.MaxX, box.MaxY, box.MaxZ];
            double[] actual = [ours.MinX, ours.MinY, ours.MinZ, ours.MaxX, ours.MaxY, ours.MaxZ];
            actual.Should().Equal(expected, (a, e) => Math.Abs(a - e) < 1e-6, "OpenCASCADE places the same file there");
            document.Metadata.Facts!["body_instances"].Should().Be(occt.Solids.ToString(System.Globalization.CultureInfo.InvariantCulture), "each occurrence is one placed solid");
            return document;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
