using BenchmarkDotNet.Attributes;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Benchmarks;

/// <summary>
/// Parse + v4 or v5 extraction of every corpus file of one format per operation: MB/s and files/s
/// follow from the corpus size divided by the mean; allocated bytes per operation over the corpus
/// size give allocations per parsed MB. <see cref="ExtractCorpus"/> times extraction alone from
/// documents parsed in the setup: what choosing a version adds once a document exists (the v5
/// shape digest is computed while parsing, whatever the version).
/// </summary>
[MemoryDiagnoser]
public class CorpusParseBenchmarks
{
    private IReadOnlyList<(string Name, byte[] Content)> _files = [];
    private List<CadDocument> _documents = [];

    [ParamsSource(nameof(Formats))]
    public string Format { get; set; } = "dxf";

    public static IEnumerable<string> Formats => CorpusReaders.ByFolder.Keys.Order(StringComparer.Ordinal);

    [Params(FeatureVersion.V4, FeatureVersion.V5)]
    public FeatureVersion Version { get; set; } = FeatureVersion.V4;

    [GlobalSetup]
    public void Setup()
    {
        _files = CorpusReaders.Load(Format);
        var reader = CorpusReaders.ByFolder[Format];
        _documents = [];
        foreach (var (_, content) in _files)
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
    public double ParseAndExtractCorpus()
    {
        var reader = CorpusReaders.ByFolder[Format];
        double checksum = 0;
        foreach (var (_, content) in _files)
        {
            try
            {
                checksum += FeatureExtractor.Extract(reader.Read(content, CancellationToken.None), Version).Values[0];
            }
            catch (CadReadException)
            {
                // A corpus file a reader refuses still costs its parse time; it is part of the workload.
            }
        }

        return checksum;
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
