using System.Globalization;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.Infrastructure.Tests.Corpus;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.Cad.Stl;

[Collection(CorpusCollection.Name)]
public sealed class StlCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_corpus_mesh_has_its_exact_triangle_count_and_bounds()
    {
        var reader = new StlReader();
        var summary = new CorpusSummary("stl");
        var encodings = new Dictionary<string, int>(StringComparer.Ordinal);
        var files = CorpusFiles.Of("stl");

        foreach (var path in files)
        {
            var content = File.ReadAllBytes(path);
            var expected = IndependentMesh.Measure(content);
            var document = reader.Read(content, CancellationToken.None);
            summary.Count(content);

            var name = Path.GetFileName(path);
            document.Metadata.Facets.Should().Be(expected.Triangles, name);
            document.Kinds["FACET"].Should().Be(expected.Triangles, name);
            document.EntityCount.Should().Be(expected.Triangles, name);
            document.Layers.Should().BeEmpty(name);
            document.Metadata.Solids.Should().BeNull(name);
            document.Bounds.Should().Be(expected.Bounds, name);
            document.Metadata.Facts!["encoding"].Should().Be(expected.Encoding, name);

            encodings[expected.Encoding] = encodings.GetValueOrDefault(expected.Encoding) + 1;
            summary.Add("triangles", expected.Triangles);
        }

        encodings.Keys.Should().BeEquivalentTo(["ascii", "binary"], "the corpus must exercise both encodings");
        summary.Add("binary", encodings["binary"]);
        summary.Add("ascii", encodings["ascii"]);
        summary.Report(reader, output);
    }

    /// <summary>
    /// A deliberately plain second implementation: binary by the size rule and BitConverter,
    /// ASCII by counting 'endfacet' lines and parsing 'vertex' lines with string.Split.
    /// </summary>
    private static class IndependentMesh
    {
        public static (int Triangles, BoundingBox Bounds, string Encoding) Measure(byte[] content)
        {
            if (content.Length >= 84)
            {
                var declared = BitConverter.ToUInt32(content, 80);
                if (84 + (50L * declared) == content.Length)
                {
                    var xs = new List<double>();
                    var ys = new List<double>();
                    var zs = new List<double>();
                    for (var t = 0; t < declared; t++)
                    {
                        for (var v = 0; v < 3; v++)
                        {
                            var offset = 84 + (50 * t) + 12 + (12 * v);
                            xs.Add(BitConverter.ToSingle(content, offset));
                            ys.Add(BitConverter.ToSingle(content, offset + 4));
                            zs.Add(BitConverter.ToSingle(content, offset + 8));
                        }
                    }

                    return ((int)declared, Box(xs, ys, zs), "binary");
                }
            }

            var lines = System.Text.Encoding.ASCII.GetString(content).Split('\n');
            var triangles = lines.Count(l => l.Trim().StartsWith("endfacet", StringComparison.OrdinalIgnoreCase));
            var x = new List<double>();
            var y = new List<double>();
            var z = new List<double>();
            foreach (var line in lines)
            {
                var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 4 && words[0].Equals("vertex", StringComparison.OrdinalIgnoreCase))
                {
                    x.Add(double.Parse(words[1], CultureInfo.InvariantCulture));
                    y.Add(double.Parse(words[2], CultureInfo.InvariantCulture));
                    z.Add(double.Parse(words[3], CultureInfo.InvariantCulture));
                }
            }

            x.Count.Should().Be(3 * triangles, "every ASCII facet has three vertex lines");
            return (triangles, Box(x, y, z), "ascii");
        }

        private static BoundingBox Box(List<double> x, List<double> y, List<double> z) =>
            x.Count == 0 ? BoundingBox.Empty : new BoundingBox(x.Min(), y.Min(), z.Min(), x.Max(), y.Max(), z.Max());
    }
}
