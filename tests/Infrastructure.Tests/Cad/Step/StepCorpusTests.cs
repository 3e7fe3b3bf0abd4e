using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Tests.Corpus;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.Cad.Step;

[Collection(CorpusCollection.Name)]
public sealed partial class StepCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_corpus_model_has_the_solids_faces_and_surface_types_an_independent_scan_counts()
    {
        var reader = new StepReader();
        var summary = new CorpusSummary("step");
        var files = CorpusFiles.Of("step");

        foreach (var path in files)
        {
            var content = File.ReadAllBytes(path);
            var expected = IndependentScan.Of(content);
            var document = reader.Read(content, CancellationToken.None);
            summary.Count(content);

            var name = Path.GetFileName(path);
            document.Metadata.Solids.Should().Be(expected.Solids, name);
            document.Kinds["SOLID"].Should().Be(expected.Solids, name);
            document.EntityCount.Should().Be(expected.Solids, name);
            document.Brep!.Faces.Should().Be(expected.Faces, name);
            document.Brep.SurfaceTypes.ToDictionary(t => t.Name, t => t.Count).Should().BeEquivalentTo(expected.SurfaceTypes, name);
            document.Metadata.Units.Should().Be("mm");
            document.Metadata.Facts!["schema"].Should().Be("AP214", name);

            summary.Add("solids", expected.Solids);
            summary.Add("faces", expected.Faces);
            foreach (var (type, count) in expected.SurfaceTypes)
            {
                summary.Add(type, count);
            }
        }

        summary.Report(reader, output);
    }

    [Fact]
    public void Every_corpus_model_has_bounds_that_hold_every_vertex_and_stay_within_the_drawn_geometry()
    {
        var reader = new StepReader();
        var (checkedHere, checkedAgainstIges) = (0, 0);
        foreach (var path in CorpusFiles.Of("step"))
        {
            var content = File.ReadAllBytes(path);
            var expected = IndependentScan.Of(content);
            var bounds = reader.Read(content, CancellationToken.None).Bounds;
            var name = Path.GetFileName(path);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {bounds.Width:F4} × {bounds.Height:F4} × {bounds.Depth:F4} mm"));
            if (!expected.Placed)
            {
                File.Exists(IgesCounterpart(path)).Should().BeTrue($"{name} places components differently, so its extents are checked against its IGES export");
                checkedAgainstIges++;
                continue;
            }

            checkedHere++;

            // Lower limit: every vertex is a point of the part. Upper limit: no point of the part
            // lies further out than the furthest point written plus the largest conic radius.
            // The corpus is in millimetres, which the scan checks, and its assemblies place every
            // component with one and the same placement, which the scan applies itself.
            expected.MillimetreUnits.Should().BeTrue(name);
            var tolerance = 1e-9 * Math.Max(1, expected.AllPoints.Width + expected.AllPoints.Height + expected.AllPoints.Depth);
            bounds.MinX.Should().BeLessThanOrEqualTo(expected.Vertices.MinX + tolerance, name);
            bounds.MinY.Should().BeLessThanOrEqualTo(expected.Vertices.MinY + tolerance, name);
            bounds.MinZ.Should().BeLessThanOrEqualTo(expected.Vertices.MinZ + tolerance, name);
            bounds.MaxX.Should().BeGreaterThanOrEqualTo(expected.Vertices.MaxX - tolerance, name);
            bounds.MaxY.Should().BeGreaterThanOrEqualTo(expected.Vertices.MaxY - tolerance, name);
            bounds.MaxZ.Should().BeGreaterThanOrEqualTo(expected.Vertices.MaxZ - tolerance, name);
            var slack = expected.LargestRadius + tolerance;
            bounds.MinX.Should().BeGreaterThanOrEqualTo(expected.AllPoints.MinX - slack, name);
            bounds.MinY.Should().BeGreaterThanOrEqualTo(expected.AllPoints.MinY - slack, name);
            bounds.MinZ.Should().BeGreaterThanOrEqualTo(expected.AllPoints.MinZ - slack, name);
            bounds.MaxX.Should().BeLessThanOrEqualTo(expected.AllPoints.MaxX + slack, name);
            bounds.MaxY.Should().BeLessThanOrEqualTo(expected.AllPoints.MaxY + slack, name);
            bounds.MaxZ.Should().BeLessThanOrEqualTo(expected.AllPoints.MaxZ + slack, name);
        }

        output.WriteLine($"bounds checked against the file's own vertices: {checkedHere}; against the IGES export: {checkedAgainstIges}");
        checkedHere.Should().BeGreaterThan(20);
    }

    internal static string IgesCounterpart(string stepPath) =>
        Path.ChangeExtension(stepPath.Replace($"{Path.DirectorySeparatorChar}step{Path.DirectorySeparatorChar}", $"{Path.DirectorySeparatorChar}iges{Path.DirectorySeparatorChar}", StringComparison.Ordinal), ".igs");

    [GeneratedRegex(@"#(\d+)\s*=\s*(.*?);\s*(?=#\d+\s*=|ENDSEC;)", RegexOptions.Singleline)]
    private static partial Regex Instance();

    [GeneratedRegex(@"^ADVANCED_FACE\('[^']*',\((.*)\),#(\d+),\.[TF]\.\)$")]
    private static partial Regex AdvancedFace();

    [GeneratedRegex(@"^(?:CARTESIAN_POINT)\('[^']*',\(([^()]*)\)\)$")]
    private static partial Regex CartesianPoint();

    [GeneratedRegex(@"^VERTEX_POINT\('[^']*',#(\d+)\)$")]
    private static partial Regex VertexPoint();

    [GeneratedRegex(@"^(?:CIRCLE\('[^']*',#\d+,([^,()]+)\)|ELLIPSE\('[^']*',#\d+,([^,()]+),([^,()]+)\))$")]
    private static partial Regex Conic();

    [GeneratedRegex(@"^ITEM_DEFINED_TRANSFORMATION\('[^']*','[^']*',#(\d+),#(\d+)\)$")]
    private static partial Regex ItemDefinedTransformation();

    [GeneratedRegex(@"^AXIS2_PLACEMENT_3D\('[^']*',#(\d+),#(\d+),#(\d+)\)$")]
    private static partial Regex Placement();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>
    /// A regular-expression scan of the DATA section that shares nothing with the reader: one
    /// match per instance, whitespace removed, types read from the start of each instance.
    /// </summary>
    private sealed record IndependentScan(
        int Solids,
        int Faces,
        Dictionary<string, int> SurfaceTypes,
        BoundingBox Vertices,
        BoundingBox AllPoints,
        double LargestRadius,
        bool MillimetreUnits,
        bool Placed)
    {
        private static readonly Dictionary<string, string> ShortNames = new(StringComparer.Ordinal)
        {
            ["PLANE"] = "plane",
            ["CYLINDRICAL_SURFACE"] = "cylinder",
            ["CONICAL_SURFACE"] = "cone",
            ["SPHERICAL_SURFACE"] = "sphere",
            ["TOROIDAL_SURFACE"] = "torus",
            ["B_SPLINE_SURFACE_WITH_KNOTS"] = "bspline",
            ["SURFACE_OF_REVOLUTION"] = "surface_of_revolution",
            ["SURFACE_OF_LINEAR_EXTRUSION"] = "surface_of_linear_extrusion",
            ["OFFSET_SURFACE"] = "offset",
        };

        public static IndependentScan Of(byte[] content)
        {
            var text = Encoding.Latin1.GetString(content);
            var data = text[text.IndexOf("DATA;", StringComparison.Ordinal)..];
            var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match m in Instance().Matches(data))
            {
                bodies[m.Groups[1].Value] = Whitespace().Replace(m.Groups[2].Value, string.Empty);
            }

            var solids = bodies.Values.Count(b => b.StartsWith("MANIFOLD_SOLID_BREP(", StringComparison.Ordinal)
                || b.StartsWith("BREP_WITH_VOIDS(", StringComparison.Ordinal) || b.StartsWith("FACETED_BREP(", StringComparison.Ordinal));
            var surfaceTypes = new Dictionary<string, int>(StringComparer.Ordinal);
            var faces = 0;
            foreach (var body in bodies.Values.Where(b => b.StartsWith("ADVANCED_FACE(", StringComparison.Ordinal) || b.StartsWith("FACE_SURFACE(", StringComparison.Ordinal)))
            {
                faces++;
                var surface = bodies[AdvancedFace().Match(body).Groups[2].Value];
                var type = surface.StartsWith('(')
                    ? (surface.Contains("B_SPLINE_SURFACE(", StringComparison.Ordinal) ? "bspline" : "other")
                    : ShortNames.GetValueOrDefault(surface[..surface.IndexOf('(', StringComparison.Ordinal)], "other");
                surfaceTypes[type] = surfaceTypes.GetValueOrDefault(type) + 1;
            }

            var points = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (var (id, body) in bodies)
            {
                var m = CartesianPoint().Match(body);
                if (m.Success)
                {
                    points[id] = m.Groups[1].Value.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                }
            }

            var placements = bodies.Values.Select(b => ItemDefinedTransformation().Match(b)).Where(m => m.Success)
                .Select(m => (From: Frame(bodies, points, m.Groups[1].Value), To: Frame(bodies, points, m.Groups[2].Value)))
                .ToList();
            // The scan places points only when every component has the same placement relative
            // to the origin; other assemblies are checked against their IGES export instead.
            var placed = placements.All(p => p.From.SequenceEqual(Identity))
                && placements.Select(p => string.Join(",", p.To.Select(c => c + 0.0))).Distinct().Count() <= 1;
            if (placed && placements.Count > 0)
            {
                var to = placements[0].To;
                foreach (var (id, point) in points.Where(p => p.Value.Length == 3).ToList())
                {
                    points[id] = Place(to, point);
                }
            }

            var vertices = bodies.Values.Select(b => VertexPoint().Match(b)).Where(m => m.Success).Select(m => points[m.Groups[1].Value]).ToList();
            var radius = bodies.Values.Select(b => Conic().Match(b)).Where(m => m.Success)
                .SelectMany(m => new[] { m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value })
                .Where(v => v.Length > 0).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();

            var millimetres = bodies.Values.Where(b => b.Contains("LENGTH_UNIT()", StringComparison.Ordinal))
                .All(b => b.Contains("SI_UNIT(.MILLI.,.METRE.)", StringComparison.Ordinal));

            return new IndependentScan(
                solids,
                faces,
                surfaceTypes,
                Box(vertices),
                Box(points.Values.Where(p => p.Length == 3).ToList()),
                radius,
                millimetres,
                placed);
        }

        private static readonly double[] Identity = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];

        /// <summary>Origin, then the x, y and z axes of an AXIS2_PLACEMENT_3D, as 12 numbers.</summary>
        private static double[] Frame(Dictionary<string, string> bodies, Dictionary<string, double[]> points, string id)
        {
            var m = Placement().Match(bodies[id]);
            m.Success.Should().BeTrue(bodies[id]);
            var origin = points[m.Groups[1].Value];
            var z = Unit(Direction(bodies[m.Groups[2].Value]));
            var reference = Direction(bodies[m.Groups[3].Value]);
            var along = (reference[0] * z[0]) + (reference[1] * z[1]) + (reference[2] * z[2]);
            var x = Unit([reference[0] - (along * z[0]), reference[1] - (along * z[1]), reference[2] - (along * z[2])]);
            double[] y = [(z[1] * x[2]) - (z[2] * x[1]), (z[2] * x[0]) - (z[0] * x[2]), (z[0] * x[1]) - (z[1] * x[0])];
            return [.. origin, .. x, .. y, .. z];
        }

        private static double[] Place(double[] frame, double[] p) =>
            [.. Enumerable.Range(0, 3).Select(k => frame[k] + (p[0] * frame[3 + k]) + (p[1] * frame[6 + k]) + (p[2] * frame[9 + k]))];

        private static double[] Unit(double[] v)
        {
            var length = Math.Sqrt(v.Sum(c => c * c));
            return [.. v.Select(c => c / length)];
        }

        private static double[] Direction(string body) =>
            body[(body.IndexOf(",(", StringComparison.Ordinal) + 2)..body.IndexOf("))", StringComparison.Ordinal)]
                .Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        private static BoundingBox Box(List<double[]> points) => new(
            points.Min(p => p[0]), points.Min(p => p[1]), points.Min(p => p[2]),
            points.Max(p => p[0]), points.Max(p => p[1]), points.Max(p => p[2]));
    }
}
