using BenchmarkDotNet.Attributes;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Benchmarks;

/// <summary>v4 extraction from an already parsed document of 1,000 entities over 12 kinds and 8 layers.</summary>
[MemoryDiagnoser]
public class FeatureExtractionBenchmarks
{
    private CadDocument _document = null!;

    [GlobalSetup]
    public void Setup()
    {
        var kinds = new CountTable();
        string[] names = ["LINE", "ARC", "CIRCLE", "LWPOLYLINE", "SPLINE", "ELLIPSE", "TEXT", "MTEXT", "INSERT", "HATCH", "POINT", "FACE"];
        for (var i = 0; i < 1000; i++)
        {
            kinds.Add(names[(i * 7 + (i / 13)) % names.Length]);
        }

        var layers = new CountTable();
        for (var i = 0; i < 1000; i++)
        {
            layers.Add($"L{i % 8}");
        }

        _document = new CadDocument(CadFormat.Dxf, kinds, layers, new BoundingBox(-50, -20, 0, 350, 180, 12), new CadMetadata(Solids: 2, Facets: 40));
    }

    [Benchmark(Baseline = true)]
    public FeatureVector ExtractV4() => FeatureExtractor.Extract(_document, FeatureVersion.V4);

    [Benchmark]
    public FeatureVector ExtractV3() => FeatureExtractor.Extract(_document, FeatureVersion.V3);
}
