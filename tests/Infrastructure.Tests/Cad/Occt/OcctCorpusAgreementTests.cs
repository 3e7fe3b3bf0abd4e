using System.Globalization;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Cad.Occt;

/// <summary>
/// The accuracy a reader claims for its box, checked on every real STEP and IGES file of the
/// corpus against OpenCASCADE's tight box: "exact" must agree to 1e-4 of the diagonal on every
/// side; "approximate" must name a reason for each side that differs, in the direction that
/// reason can move it (control points and placed-by-box only grow a box, a bulge only shrinks it).
/// </summary>
public sealed class OcctCorpusAgreementTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData("step")]
    [InlineData("iges")]
    public void The_claimed_box_accuracy_holds_against_OpenCASCADE(string folder)
    {
        ICadReader reader = folder == "step" ? new StepReader() : new IgesReader();
        var files = CorpusFiles.Of(folder).ToArray();
        var reference = OcctReference.Read(files);
        var wrong = new List<string>();
        var exact = 0;
        foreach (var path in files)
        {
            if (!reference.TryGetValue(path, out var occt) || occt.Box is not { } theirs)
            {
                continue;
            }

            var document = reader.Read(File.ReadAllBytes(path), CancellationToken.None);
            var accuracy = document.Metadata.BoundsAccuracy!;
            var ours = document.Bounds;
            var tolerance = 1e-4 * Math.Max(1, Math.Sqrt((theirs.Width * theirs.Width) + (theirs.Height * theirs.Height) + (theirs.Depth * theirs.Depth)));
            double[] lower = [ours.MinX - theirs.MinX, ours.MinY - theirs.MinY, ours.MinZ - theirs.MinZ];
            double[] upper = [ours.MaxX - theirs.MaxX, ours.MaxY - theirs.MaxY, ours.MaxZ - theirs.MaxZ];
            var grows = accuracy.Reasons.Any(r => r is BoundsAccuracy.SplineControlPoints or BoundsAccuracy.PlacedByBox);
            var shrinks = accuracy.Reasons.Contains(BoundsAccuracy.CurvedFaceBulge);
            var eitherWay = accuracy.Reasons.Any(r => !(r is BoundsAccuracy.SplineControlPoints or BoundsAccuracy.PlacedByBox or BoundsAccuracy.CurvedFaceBulge));
            var larger = lower.Any(d => d < -tolerance) || upper.Any(d => d > tolerance);
            var smaller = lower.Any(d => d > tolerance) || upper.Any(d => d < -tolerance);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(path)}\t{accuracy.Quality}\t{string.Join(',', accuracy.Reasons)}\tmax side difference {lower.Concat(upper).Max(Math.Abs):G4} mm of diagonal {tolerance * 1e4:G4}"));
            if (accuracy.Quality == BoundsQuality.Exact)
            {
                exact++;
            }

            if ((larger && !grows && !eitherWay) || (smaller && !shrinks && !eitherWay))
            {
                wrong.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(path)}: {accuracy.Quality} [{string.Join(',', accuracy.Reasons)}] ours {ours} OpenCASCADE {theirs}"));
            }
        }

        wrong.Should().BeEmpty($"{exact} of {files.Length} {folder} boxes claim to be exact");
    }
}
