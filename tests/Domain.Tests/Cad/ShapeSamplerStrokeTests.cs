using CadMl.Domain.Cad;

namespace CadMl.Domain.Tests.Cad;

/// <summary>
/// The digest's stroke descriptors for drawings (docs/FEATURES_V5.md, slots 73–102). Layout of
/// <see cref="ShapeSummary.Strokes"/>: 0–6 angle between strokes (0°..90° by 15°), 7–10 angle to
/// the centroid (0°..90° by 30°), 11–13 end degrees (free, chain, junction), 14 crossings,
/// 15 touches, 16–19 parallel spacing, 20–22 arc spans (0, ½, 1 turn), 23–29 corner angles
/// (0°..180° by 30°).
/// </summary>
public sealed class ShapeSamplerStrokeTests
{
    private static readonly (double X, double Y)[] Square = [(-1, -1), (1, -1), (1, 1), (-1, 1)];

    [Fact]
    public void A_square_has_parallel_and_perpendicular_sides_chained_at_right_angles()
    {
        var strokes = Digest(Square, closed: true).Strokes!;

        strokes.Should().HaveCount(ShapeSampler.StrokeDescriptors);
        strokes[0].Should().BeApproximately(2.0 / 6, 1e-12, "two of the six side pairs are parallel");
        strokes[6].Should().BeApproximately(4.0 / 6, 1e-12, "four are perpendicular");
        strokes[10].Should().BeApproximately(1, 1e-12, "every side is tangential to the centre");
        strokes[12].Should().BeApproximately(1, 1e-12, "every corner joins exactly two sides");
        strokes[14].Should().Be(0, "no side crosses another");
        strokes[15].Should().Be(0, "no end lies on another side's interior");
        strokes[19].Should().BeApproximately(2.0 / 6, 1e-12, "the parallel sides are 2 apart, R = √2, so 1.41 R");
        strokes[26].Should().BeApproximately(1, 1e-12, "four 90° corners");
    }

    [Fact]
    public void Crossing_and_touching_strokes_are_counted()
    {
        var cross = new ShapeSampler();
        Stroke(cross, (-1, 0), (1, 0));
        Stroke(cross, (0, -1), (0, 1));
        var x = cross.Summarise()!.Strokes!;
        x[14].Should().Be(1, "the one pair crosses");
        x[11].Should().Be(1, "all four ends are free");

        var tee = new ShapeSampler();
        Stroke(tee, (-1, 0), (1, 0));
        Stroke(tee, (0, 0), (0, 1));
        var t = tee.Summarise()!.Strokes!;
        t[14].Should().Be(0, "a touch at an end is not a crossing");
        t[15].Should().BeApproximately(0.25, 1e-12, "one of four ends lies on the other stroke");
    }

    [Fact]
    public void Arc_spans_are_shared_between_the_nearest_of_none_half_and_full_turns()
    {
        var sampler = new ShapeSampler();
        Stroke(sampler, (-1, 0), (1, 0));
        sampler.AddArc(2 * Math.PI);
        sampler.AddArc(Math.PI);
        sampler.AddArc(Math.PI / 2);
        var s = sampler.Summarise()!.Strokes!;
        s[20].Should().BeApproximately(0.5 / 3, 1e-12);
        s[21].Should().BeApproximately(1.5 / 3, 1e-12);
        s[22].Should().BeApproximately(1.0 / 3, 1e-12);
    }

    [Theory]
    [InlineData(37.0, 1.0, false)]
    [InlineData(-121.5, 1.0, true)]
    [InlineData(10.0, 10.0, false)]
    [InlineData(250.0, 0.001, true)]
    public void Rotation_mirror_scale_and_translation_leave_the_stroke_descriptors_alone(double degrees, double scale, bool mirror)
    {
        // An arrow-like symbol: a shaft, a head at 30°, a box, a crossing stroke.
        (double X, double Y)[] shape = [(0, 0), (4, 0), (3, 0.6), (4, 0), (3, -0.6), (4, 0)];
        var plain = Digest(shape, closed: false, extra: [((1, -1), (1, 1)), ((0.5, 0.3), (2, -0.4))]).Strokes!;
        var (sin, cos) = Math.SinCos(degrees * Math.PI / 180);
        (double X, double Y) Move((double X, double Y) p)
        {
            var x = mirror ? -p.X : p.X;
            return ((scale * ((cos * x) - (sin * p.Y))) + 123.4, (scale * ((sin * x) + (cos * p.Y))) - 56.7);
        }

        var moved = Digest([.. shape.Select(Move)], closed: false, extra: [(Move((1, -1)), Move((1, 1))), (Move((0.5, 0.3)), Move((2, -0.4)))]).Strokes!;
        for (var i = 0; i < ShapeSampler.StrokeDescriptors; i++)
        {
            moved[i].Should().BeApproximately(plain[i], 1e-9, $"stroke descriptor {i}");
        }
    }

    [Fact]
    public void A_digest_without_strokes_or_arcs_has_none()
    {
        var sampler = new ShapeSampler();
        sampler.Add(0, 0, 0);
        sampler.Add(1, 2, 0);
        sampler.Summarise()!.Strokes.Should().BeNull();
    }

    private static ShapeSummary Digest((double X, double Y)[] polyline, bool closed, ((double X, double Y) A, (double X, double Y) B)[]? extra = null)
    {
        var sampler = new ShapeSampler();
        var count = closed ? polyline.Length : polyline.Length - 1;
        for (var i = 0; i < count; i++)
        {
            Stroke(sampler, polyline[i], polyline[(i + 1) % polyline.Length]);
        }

        foreach (var (a, b) in extra ?? [])
        {
            Stroke(sampler, a, b);
        }

        return sampler.Summarise()!;
    }

    private static void Stroke(ShapeSampler sampler, (double X, double Y) a, (double X, double Y) b)
    {
        sampler.Add(a.X, a.Y, 0);
        sampler.Add(b.X, b.Y, 0);
        sampler.AddEdge(Math.Sqrt(((b.X - a.X) * (b.X - a.X)) + ((b.Y - a.Y) * (b.Y - a.Y))), EdgeKind.Straight);
        sampler.AddStroke(a.X, a.Y, 0, b.X, b.Y, 0);
    }
}
