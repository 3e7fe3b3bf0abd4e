using System.Globalization;
using System.Text;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Tests.Cad.Step;
using CadMl.Infrastructure.Tests.Corpus;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.Cad.Iges;

[Collection(CorpusCollection.Name)]
public sealed class IgesCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_corpus_model_has_the_entities_solids_faces_and_surface_types_a_line_scan_counts()
    {
        var reader = new IgesReader();
        var summary = new CorpusSummary("iges");
        var files = CorpusFiles.Of("iges");

        foreach (var path in files)
        {
            var content = File.ReadAllBytes(path);
            var expected = LineScan.Of(content);
            var document = reader.Read(content, CancellationToken.None);
            summary.Count(content);

            var name = Path.GetFileName(path);
            document.Kinds.ToDictionary(k => k.Name, k => k.Count).Should().BeEquivalentTo(expected.Kinds, name);
            document.Layers.Count.Should().Be(expected.Levels, name);
            document.Metadata.Solids.Should().Be(expected.Solids, name);
            document.Brep!.Faces.Should().Be(expected.Faces, name);
            document.Brep.SurfaceTypes.ToDictionary(t => t.Name, t => t.Count).Should().BeEquivalentTo(expected.SurfaceTypes, name);
            document.Metadata.Facts!["units_flag"].Should().Be(expected.UnitsFlag, name);
            document.Metadata.Units.Should().Be("mm");

            summary.Add("entities", document.EntityCount);
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
    public void Iges_and_step_exports_of_the_same_part_agree_on_its_extents_in_millimetres()
    {
        // FreeCAD ships four parts in both formats. The IGES files are in inches or millimetres,
        // hold parameter-space curves that must not count, and carry no assembly structure;
        // the STEP files are millimetres with assembly placements. Agreement checks units,
        // the parameter-space exclusion and the STEP placements against each other. B-spline
        // control hulls in the IGES exports may stick out a little, hence 0.1 % of the part.
        var pairs = CorpusFiles.Of("step")
            .Select(step => (Step: step, Iges: StepCorpusTests.IgesCounterpart(step)))
            .Where(p => File.Exists(p.Iges))
            .ToList();
        pairs.Should().HaveCount(CorpusFiles.Of("iges").Count, "every IGES model has a STEP twin");

        foreach (var (stepPath, igesPath) in pairs)
        {
            var step = new StepReader().Read(File.ReadAllBytes(stepPath), CancellationToken.None).Bounds;
            var iges = new IgesReader().Read(File.ReadAllBytes(igesPath), CancellationToken.None).Bounds;
            var size = Math.Max(step.Width, Math.Max(step.Height, step.Depth));
            double[] deviations =
            [
                step.MinX - iges.MinX, step.MinY - iges.MinY, step.MinZ - iges.MinZ,
                step.MaxX - iges.MaxX, step.MaxY - iges.MaxY, step.MaxZ - iges.MaxZ,
            ];
            var worst = deviations.Max(Math.Abs);
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Path.GetFileNameWithoutExtension(igesPath)}: {step.Width:F4} × {step.Height:F4} × {step.Depth:F4} mm, largest difference {worst:E2} mm ({100 * worst / size:F4} %)"));
            worst.Should().BeLessThanOrEqualTo(1e-3 * size, Path.GetFileName(igesPath));
        }
    }

    /// <summary>
    /// Fixed-column scanning with string slicing: the type in columns 1–8 of the first line of each
    /// directory entry, the level in columns 33–40, and the surface pointer from the first
    /// parameter line of each face split on commas. Shares nothing with the reader.
    /// </summary>
    private sealed record LineScan(
        Dictionary<string, int> Kinds,
        int Levels,
        int Solids,
        int Faces,
        Dictionary<string, int> SurfaceTypes,
        string UnitsFlag)
    {
        private static readonly Dictionary<int, string> TypeNames = new()
        {
            [100] = "CIRCULAR_ARC",
            [102] = "COMPOSITE_CURVE",
            [110] = "LINE",
            [120] = "SURFACE_OF_REVOLUTION",
            [124] = "TRANSFORMATION_MATRIX",
            [126] = "RATIONAL_BSPLINE_CURVE",
            [128] = "RATIONAL_BSPLINE_SURFACE",
            [142] = "CURVE_ON_SURFACE",
            [144] = "TRIMMED_SURFACE",
            [314] = "COLOR",
            [402] = "ASSOCIATIVITY",
        };

        private static readonly Dictionary<int, string> SurfaceNames = new()
        {
            [128] = "bspline",
            [120] = "surface_of_revolution",
            [190] = "plane",
        };

        public static LineScan Of(byte[] content)
        {
            var lines = Encoding.Latin1.GetString(content).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            var directory = lines.Where(l => l.Length >= 73 && l[72] == 'D').ToList();
            var parameters = lines.Where(l => l.Length >= 73 && l[72] == 'P').ToList();
            var global = string.Concat(lines.Where(l => l.Length >= 73 && l[72] == 'G').Select(l => l[..72]));

            var types = new List<int>();
            var firstParameterLine = new List<int>();
            var levels = new HashSet<int>();
            for (var i = 0; i < directory.Count; i += 2)
            {
                types.Add(int.Parse(directory[i][..8], CultureInfo.InvariantCulture));
                firstParameterLine.Add(int.Parse(directory[i][8..16], CultureInfo.InvariantCulture));
                var level = int.Parse(directory[i][32..40], CultureInfo.InvariantCulture);
                if (level != 0)
                {
                    levels.Add(level);
                }
            }

            types.Should().OnlyContain(t => TypeNames.ContainsKey(t), "the scan names every entity type in the corpus");
            var kinds = types.GroupBy(t => TypeNames[t]).ToDictionary(g => g.Key, g => g.Count());

            var surfaceTypes = new Dictionary<string, int>(StringComparer.Ordinal);
            var faces = 0;
            for (var e = 0; e < types.Count; e++)
            {
                if (types[e] is not (144 or 143 or 510))
                {
                    continue;
                }

                faces++;
                var fields = parameters[firstParameterLine[e] - 1][..64].Split(',');
                var pointer = int.Parse(fields[types[e] == 143 ? 2 : 1], CultureInfo.InvariantCulture);
                var surface = SurfaceNames.GetValueOrDefault(types[(pointer - 1) / 2], "other");
                surfaceTypes[surface] = surfaceTypes.GetValueOrDefault(surface) + 1;
            }

            return new LineScan(
                kinds,
                levels.Count,
                types.Count(t => t == 186),
                faces,
                surfaceTypes,
                global.Split(',')[13].Trim());
        }
    }
}
