using CadMl.Domain.Cad;

namespace CadMl.Domain.Tests.Cad;

/// <summary>
/// The digest's edge descriptors (docs/FEATURES_V5.md): relative quantiles and kind shares do not
/// see the unit; the decade phases see where a length sits within its decade, the same in mm and
/// cm but not in inches; a digest converted by a power of ten equals one sampled in that unit.
/// </summary>
public sealed class ShapeSamplerEdgeTests
{
    // A pin-header-like part: a bar with 1.27 mm-ish pins (lengths in mm).
    private static readonly (double Length, EdgeKind Kind, double Radius)[] Edges =
    [
        (10.16, EdgeKind.Straight, double.NaN), (2.5, EdgeKind.Straight, double.NaN), (0.64, EdgeKind.Straight, double.NaN),
        (0.64, EdgeKind.Straight, double.NaN), (1.0, EdgeKind.Straight, double.NaN), (3.1, EdgeKind.Circular, 0.5),
        (1.57, EdgeKind.Circular, 0.5), (6.0, EdgeKind.Other, double.NaN), (0.3, EdgeKind.Circular, 0.2),
    ];

    [Fact]
    public void A_unit_change_by_a_power_of_ten_leaves_every_edge_descriptor_unchanged()
    {
        var mm = Digest(1);
        var cm = Digest(10);

        cm.RmsRadius.Should().BeApproximately(10 * mm.RmsRadius, 1e-9);
        cm.Edges.Should().NotBeNull().And.HaveCount(ShapeSampler.EdgeDescriptors);
        for (var i = 0; i < ShapeSampler.EdgeDescriptors; i++)
        {
            cm.Edges![i].Should().BeApproximately(mm.Edges![i], 1e-9, $"edge descriptor {i}");
        }
    }

    [Fact]
    public void An_inch_change_moves_the_decade_phases_but_not_the_relative_lengths()
    {
        var mm = Digest(1);
        var inch = Digest(25.4);

        for (var i = 0; i < 5; i++)
        {
            inch.Edges![i].Should().BeApproximately(mm.Edges![i], 1e-9, "quantiles are relative to the part's size");
        }

        Math.Abs(inch.Edges![5] - mm.Edges![5]).Should().BeGreaterThan(0.1, "the median length's decade phase moves by log10 25.4");
    }

    [Fact]
    public void Scaling_a_digest_by_a_power_of_ten_gives_what_sampling_in_the_new_unit_gives()
    {
        var converted = Digest(1).Scaled(10);
        var sampledInCm = Digest(10);

        converted.RmsRadius.Should().BeApproximately(sampledInCm.RmsRadius, 1e-9);
        for (var i = 0; i < ShapeSampler.EdgeDescriptors; i++)
        {
            converted.Edges![i].Should().BeApproximately(sampledInCm.Edges![i], 1e-9, $"edge descriptor {i}");
        }
    }

    [Fact]
    public void Scaling_a_digest_by_another_factor_drops_the_edges_it_can_no_longer_describe()
    {
        var converted = Digest(1 / 25.4).Scaled(25.4);

        converted.RmsRadius.Should().BeApproximately(Digest(1).RmsRadius, 1e-9);
        converted.Edges.Should().BeNull("the decade histogram cannot be turned by a fraction of a bin");
    }

    [Fact]
    public void The_decade_histogram_shares_a_length_on_a_bin_boundary_without_a_jump()
    {
        // 1 mm sits exactly on the first bin centre; a length a rounding error away must give
        // nearly the same histogram, not move a whole edge to another bin.
        static IReadOnlyList<double> Histogram(double length)
        {
            var sampler = new ShapeSampler();
            sampler.Add(0, 0, 0);
            sampler.Add(length, 0, 0);
            sampler.AddEdge(length, EdgeKind.Straight);
            return sampler.Summarise()!.Edges!.Skip(16).ToList();
        }

        var exact = Histogram(1.0);
        var below = Histogram(1.0 - 1e-12);

        exact.Sum().Should().BeApproximately(1, 1e-12);
        for (var i = 0; i < ShapeSampler.PhaseBins; i++)
        {
            below[i].Should().BeApproximately(exact[i], 1e-9, $"bin {i}");
        }
    }

    [Fact]
    public void Kind_shares_and_circular_radii_are_counted()
    {
        var digest = Digest(1);

        digest.Edges![7].Should().BeApproximately(5.0 / 9, 1e-12, "five straight edges of nine");
        digest.Edges[8].Should().BeApproximately(3.0 / 9, 1e-12);
        digest.Edges[9].Should().BeApproximately(1.0 / 9, 1e-12);
        digest.Edges[11].Should().BeApproximately(Math.Log10(0.5 / digest.RmsRadius), 1e-12, "the median radius of the circular edges is 0.5");
        digest.Edges[15].Should().BeApproximately(1, 1e-12, "log10(1 + 9)");
    }

    private static ShapeSummary Digest(double unit)
    {
        var sampler = new ShapeSampler();
        double[] corners = [0, 0, 0, 10.16, 0, 0, 10.16, 2.5, 0, 0, 2.5, 0, 0, 0, 8.5, 10.16, 2.5, 8.5];
        for (var i = 0; i < corners.Length; i += 3)
        {
            sampler.Add(corners[i] * unit, corners[i + 1] * unit, corners[i + 2] * unit);
        }

        foreach (var (length, kind, radius) in Edges)
        {
            sampler.AddEdge(length * unit, kind, radius * unit);
        }

        return sampler.Summarise()!;
    }
}
