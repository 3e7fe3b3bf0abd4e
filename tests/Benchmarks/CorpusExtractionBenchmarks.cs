using BenchmarkDotNet.Attributes;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Benchmarks;

/// <summary>
/// Extraction alone, v4 or v5, from every corpus file of one format already parsed in the setup:
/// what choosing v5 adds once a document exists (the shape digest is computed while parsing,
/// whatever the version, so <see cref="CorpusParseBenchmarks"/> shows the rest). Divide the mean by
/// the file count for the cost per file.
/// </summary>
[MemoryDiagnoser]
public class CorpusExtractionBenchmarks
{
    private List<CadDocument> _documents = [];

    [ParamsSource(nameof(Formats))]
    public string Format { get; set; } = "dxf";

    public static IEnumerable<string> Formats => CorpusReaders.ByFolder.Keys.Order(StringComparer.Ordinal);

    [Params(FeatureVersion.V4, FeatureVersion.V5)]
    public FeatureVersion Version { get; set; } = FeatureVersion.V4;

    [GlobalSetup]
    public void Setup()
    {
        var reader = CorpusReaders.ByFolder[Format];
        _documents = [];
        foreach (var (_, content) in CorpusReaders.Load(Format))
        {
            try
            {
                _documents.Add(reader.Read(content, CancellationToken.None));
            }
            catch (CadReadException)
            {
                // A file the reader refuses has no document to extract from.
            }
        }
    }

    [Benchmark]
    public double ExtractCorpus()
    {
        double checksum = 0;
        foreach (var document in _documents)
        {
            checksum += FeatureExtractor.Extract(document, Version).Values[0];
        }

        return checksum;
    }
}
