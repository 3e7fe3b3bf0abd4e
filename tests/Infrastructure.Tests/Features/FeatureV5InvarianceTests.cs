using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Features;
using CadMl.Evaluate;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.Infrastructure.Tests.Cad;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Features;

/// <summary>
/// v5 is invariant to rotation, translation, mirror and uniform scale: real corpus files are
/// rewritten (their bytes: STEP points and directions, STL vertices, DXF through ezdxf), parsed
/// again, and must give the same v5 vector within the stated tolerance: cosine ≥ 0.99 against the
/// original's vector (scale ×10 moves the bounded size slot by design, hence ≥ 0.95 there). A
/// file the rewrite itself cannot produce (ezdxf refuses some drawings) is left out, but most
/// must be compared.
/// </summary>
[Collection(CorpusCollection.Name)]
public sealed class FeatureV5InvarianceTests
{
    private const int FilesPerFormat = 6;

    public static TheoryData<string, TransformKind> Cases()
    {
        var data = new TheoryData<string, TransformKind>();
        foreach (var format in new[] { "step", "stl", "dxf" })
        {
            foreach (var kind in Enum.GetValues<TransformKind>())
            {
                data.Add(format, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_transformed_copy_of_a_real_file_has_the_same_v5_vector(string folder, TransformKind kind)
    {
        ICadReader reader = folder switch
        {
            "step" => new StepReader(),
            "stl" => new StlReader(),
            _ => new DxfReader(),
        };
        var files = CorpusFiles.Of(folder).Take(FilesPerFormat)
            .Select(path => new Sample(path, Path.GetFileName(path), folder, reader))
            .Select(s => new Parsed(s, File.ReadAllBytes(s.Path), reader.Read(File.ReadAllBytes(s.Path), CancellationToken.None), Fitting: false))
            .ToList();

        var copies = Evaluation.Transformed(files[0].Document.Format, files, kind);

        var minimum = kind == TransformKind.Scale10 ? 0.95 : 0.99;
        var compared = 0;
        for (var i = 0; i < files.Count; i++)
        {
            if (copies[i] is null)
            {
                continue;
            }

            var original = Retrieval.Normalise(FeatureExtractor.Extract(files[i].Document, FeatureVersion.V5).Values);
            var copy = Retrieval.Normalise(FeatureExtractor.Extract(copies[i]!, FeatureVersion.V5).Values);
            Retrieval.Dot(original, copy).Should().BeGreaterThanOrEqualTo(minimum, $"{files[i].Sample.Relative} {kind}");
            compared++;
        }

        compared.Should().BeGreaterThanOrEqualTo(FilesPerFormat / 2, "most files must survive the rewrite");
    }

    [Fact]
    public void The_same_file_gives_the_same_v5_vector_bit_for_bit()
    {
        foreach (var (folder, reader) in new (string, ICadReader)[] { ("step", new StepReader()), ("stl", new StlReader()), ("dxf", new DxfReader()) })
        {
            var bytes = File.ReadAllBytes(CorpusFiles.Of(folder)[0]);
            var first = FeatureExtractor.Extract(reader.Read(bytes, CancellationToken.None), FeatureVersion.V5);
            var second = FeatureExtractor.Extract(reader.Read(bytes, CancellationToken.None), FeatureVersion.V5);
            second.Values.Select(BitConverter.DoubleToInt64Bits).Should().Equal(first.Values.Select(BitConverter.DoubleToInt64Bits));
        }
    }
}
