using System.Diagnostics;
using System.Globalization;
using CadMl.Application.Analysis.Ports;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>
/// Per-format corpus totals and read throughput, printed as one line to the test output and
/// stdout. Throughput is the best of a few passes over files already read once, so it measures
/// the reader rather than JIT warm-up; a Debug build runs without JIT optimisations and says so.
/// </summary>
public sealed class CorpusSummary(string format)
{
    private const int Passes = 3;

    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly List<byte[]> _contents = [];

    public void Count(byte[] content) => _contents.Add(content);

    public void Add(string total, long value) => _totals[total] = _totals.GetValueOrDefault(total) + value;

    public string Report(ICadReader reader, ITestOutputHelper output)
    {
        var best = TimeSpan.MaxValue;
        for (var pass = 0; pass < Passes; pass++)
        {
            var stopwatch = Stopwatch.StartNew();
            foreach (var content in _contents)
            {
                reader.Read(content, CancellationToken.None);
            }

            best = stopwatch.Elapsed < best ? stopwatch.Elapsed : best;
        }

        var megabytes = _contents.Sum(c => (long)c.Length) / 1_048_576.0;
        var seconds = best.TotalSeconds;
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"corpus {format}: {_contents.Count} files, {megabytes:F2} MB, best of {Passes} passes {seconds * 1000:F1} ms = {megabytes / Math.Max(seconds, 1e-9):F1} MB/s, {_contents.Count / Math.Max(seconds, 1e-9):F0} files/s{BuildNote}")
            + string.Concat(_totals.Select(t => string.Create(CultureInfo.InvariantCulture, $"; {t.Key} {t.Value}")));
        output.WriteLine(line);
        Console.WriteLine(line);
        return line;
    }

#if DEBUG
    private const string BuildNote = " (Debug build)";
#else
    private const string BuildNote = "";
#endif
}

[CollectionDefinition(Name)]
public sealed class CorpusCollection
{
    /// <summary>Corpus tests share one collection so that their throughput passes do not run concurrently.</summary>
    public const string Name = "corpus";
}
