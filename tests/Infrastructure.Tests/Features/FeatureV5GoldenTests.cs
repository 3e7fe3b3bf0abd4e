using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.Infrastructure.Tests.Cad;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Features;

/// <summary>
/// Golden v5 vectors of one real corpus file per format (v5-golden.json, written by
/// <c>build/evaluate DIR --vectors FILE</c>). v5's constants are part of its definition, so any
/// change to a reader's shape digest, a formula, a weight or a constant shows up here; if the
/// change is meant, v5's documentation and these vectors change together. Tolerance: 1e-12
/// relative (the same machine gives the same bits; another CPU's libm may differ in the last place).
/// </summary>
[Collection(CorpusCollection.Name)]
public sealed class FeatureV5GoldenTests
{
    public static TheoryData<string> Files() => [.. Golden().Keys];

    [Theory]
    [MemberData(nameof(Files))]
    public void A_real_file_gives_its_golden_v5_vector(string name)
    {
        var folder = Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".dxf" => "dxf",
            ".stl" => "stl",
            ".stp" or ".step" => "step",
            _ => "iges",
        };
        ICadReader reader = folder switch
        {
            "dxf" => new DxfReader(),
            "stl" => new StlReader(),
            "step" => new StepReader(),
            _ => new IgesReader(),
        };
        var path = CorpusFiles.Of(folder).Single(p => Path.GetFileName(p) == name);

        var document = reader.Read(File.ReadAllBytes(path), CancellationToken.None);
        var vector = FeatureExtractor.Extract(document, FeatureVersion.V5).Values;

        document.Shape.Should().NotBeNull("every reader computes the shape digest v5 needs");
        var expected = Golden()[name];
        vector.Should().HaveCount(FeatureSlots.V5Dimension);
        for (var i = 0; i < expected.Length; i++)
        {
            vector[i].Should().BeApproximately(expected[i], 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"slot {i} ({FeatureSlots.V5[i].Name}) of {name}");
        }
    }

    private static Dictionary<string, double[]> Golden() =>
        JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Features", "v5-golden.json")))!;
}
