using System.Globalization;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Tests.Cad.Occt;

namespace CadMl.Infrastructure.Tests.Cad.Iges;

/// <summary>
/// Files made only of type-114 parametric spline surfaces (and 112 spline curves) get a real box
/// from the polynomial coefficients, never zeros, checked against OpenCASCADE's tight box of
/// the same file: ours must hold it (Bézier nets contain their patch) and stay close to it.
/// </summary>
public sealed class IgesSplineSurfaceTests
{
    [Fact]
    public void A_file_of_only_parametric_spline_surfaces_is_bounded_by_its_patches()
    {
        var iges = new IgesBuilder();
        // Two patches in u over [0,1] and [1,3], one in v over [0,1]:
        // patch 1: X = 10s, Y = 5t, Z = 2s − 2s² (a ridge of height 0.5);
        // patch 2: X = 10 + 5s, Y = 5t, Z = 0.25·s·t (a twist up to 0.5 at s = 2, t = 1).
        iges.Add(114, SplineSurface([0, 1, 3], [0, 1], [
            Patch(x: [0, 10], y: [0, 0, 0, 0, 5], z: [0, 2, -2]),
            Patch(x: [10, 5], y: [0, 0, 0, 0, 5], z: [0, 0, 0, 0, 0, 0.25]),
        ]));

        var (document, occt) = ReadWithOcct(iges, "surfaces");

        document.Bounds.Should().NotBe(BoundingBox.Empty);
        document.Metadata.BoundsAccuracy!.Quality.Should().Be(BoundsQuality.Approximate);
        document.Metadata.BoundsAccuracy.Reasons.Should().Contain(BoundsAccuracy.SplineControlPoints);
        Contains(document.Bounds, occt).Should().BeTrue($"ours {document.Bounds} holds OpenCASCADE's {occt}");
        var diagonal = Math.Sqrt((occt.Width * occt.Width) + (occt.Height * occt.Height) + (occt.Depth * occt.Depth));
        Gap(document.Bounds, occt).Should().BeLessThan(0.02 * diagonal, "a Bézier net hugs a cubic patch");
        document.Bounds.MinX.Should().Be(0);
        document.Bounds.MaxX.Should().Be(20);
        document.Bounds.MaxY.Should().Be(5);
    }

    [Fact]
    public void A_parametric_spline_curve_is_bounded_by_its_segments()
    {
        var iges = new IgesBuilder();
        // One planar cubic segment over [0,2]: X = s, Y = s² − s³/3 (0 at s=0, 4/3 at s=2), Z = 0.
        iges.Add(112, "3,1,2,1,0.,2.,0.,1.,0.,0.,0.,0.,1.,-0.333333333333333,0.,0.,0.,0.,2.,0.,0.,0.,1.3333333333333333,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.,0.");

        var document = new IgesReader().Read(iges.Build(), CancellationToken.None);

        document.Bounds.MinX.Should().Be(0);
        document.Bounds.MaxX.Should().BeApproximately(2, 1e-12);
        document.Bounds.MaxY.Should().BeGreaterThanOrEqualTo(4.0 / 3 - 1e-9).And.BeLessThan(1.5);
        document.Metadata.BoundsAccuracy!.Reasons.Should().Contain(BoundsAccuracy.SplineControlPoints);
    }

    [Fact]
    public void Geometry_that_cannot_be_bounded_is_flagged_instead_of_an_all_zero_box()
    {
        var iges = new IgesBuilder();
        // A sphere (196) with no boundary: the reader bounds analytic surfaces only through their trims.
        iges.Add(196, "0,5.");

        var document = new IgesReader().Read(iges.Build(), CancellationToken.None);

        document.Bounds.Should().Be(BoundingBox.Empty);
        document.Metadata.BoundsAccuracy!.Quality.Should().Be(BoundsQuality.Unavailable);
        document.Metadata.BoundsAccuracy.Reasons.Should().Equal(BoundsAccuracy.NoBoundableGeometry);
    }

    private static (CadDocument Document, BoundingBox Occt) ReadWithOcct(IgesBuilder iges, string name)
    {
        var folder = Directory.CreateTempSubdirectory("cadml-iges-114-");
        try
        {
            var path = Path.Combine(folder.FullName, name + ".igs");
            File.WriteAllBytes(path, iges.Build());
            var occt = OcctReference.Read(path)[path];
            occt.Box.Should().NotBeNull("OpenCASCADE reads the surfaces");
            return (new IgesReader().Read(iges.Build(), CancellationToken.None), occt.Box!.Value);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>16 power coefficients per axis in IGES order (s^a·t^b at a + 4b); the given leading ones, then zeros.</summary>
    private static double[] Patch(double[] x, double[] y, double[] z) =>
        [.. Pad(x), .. Pad(y), .. Pad(z)];

    private static IEnumerable<double> Pad(double[] values) => values.Concat(Enumerable.Repeat(0.0, 16 - values.Length));

    /// <summary>CTYPE 3 (cubic), PTYPE 1, M, N, break points, then per row of patches N×48 coefficients and 48 unused values, then 48·(N+1) unused values.</summary>
    private static string SplineSurface(double[] u, double[] v, double[][] patches)
    {
        var m = u.Length - 1;
        var n = v.Length - 1;
        var values = new List<double> { 3, 1, m, n };
        values.AddRange(u);
        values.AddRange(v);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                values.AddRange(patches[(i * n) + j]);
            }

            values.AddRange(Enumerable.Repeat(0.0, 48));
        }

        values.AddRange(Enumerable.Repeat(0.0, 48 * (n + 1)));
        // CTYPE, PTYPE, M and N are integers (OpenCASCADE refuses "1." there); the rest are reals.
        return string.Join(',', values.Select((d, i) => i < 4
            ? d.ToString("0", CultureInfo.InvariantCulture)
            : d == Math.Floor(d) ? d.ToString("0", CultureInfo.InvariantCulture) + "." : d.ToString("R", CultureInfo.InvariantCulture)));
    }

    private static bool Contains(BoundingBox outer, BoundingBox inner) =>
        outer.MinX <= inner.MinX + 1e-6 && outer.MinY <= inner.MinY + 1e-6 && outer.MinZ <= inner.MinZ + 1e-6
        && outer.MaxX >= inner.MaxX - 1e-6 && outer.MaxY >= inner.MaxY - 1e-6 && outer.MaxZ >= inner.MaxZ - 1e-6;

    private static double Gap(BoundingBox a, BoundingBox b) =>
        new[] { a.MinX - b.MinX, a.MinY - b.MinY, a.MinZ - b.MinZ, a.MaxX - b.MaxX, a.MaxY - b.MaxY, a.MaxZ - b.MaxZ }.Max(Math.Abs);
}
