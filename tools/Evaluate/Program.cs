using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Evaluate;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;

// build/evaluate DIR [--out docs/EVALUATION.md] [--fit FILE] [--max-per-label N]
// DIR/<label>/<file>: the folder a file is in is its label. Files are split by a stable hash of
// their path relative to DIR: even = fitting half (v5 standardisation constants, anything a
// later step fits), odd = test half. Every number reported is measured on the test half only.
var inv = CultureInfo.InvariantCulture;
if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: build/evaluate DIR [--out FILE.md] [--fit FILE.cs] [--max-per-label N] [--no-transforms]");
    return 2;
}

var root = Path.GetFullPath(args[0]);
string? outPath = null, fitPath = null, dumpPath = null, vectorsPath = null;
var maxPerLabel = int.MaxValue;
var transforms = true;
for (var i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outPath = args[++i]; break;
        case "--fit": fitPath = args[++i]; break;
        case "--dump": dumpPath = args[++i]; break;
        case "--vectors": vectorsPath = args[++i]; break;
        case "--max-per-label": maxPerLabel = int.Parse(args[++i], inv); break;
        case "--no-transforms": transforms = false; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

ICadReader[] readers = [new DxfReader(), new StlReader(), new StepReader(), new IgesReader()];
var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
    .Select(p => (Path: p, Reader: readers.FirstOrDefault(r => r.Extensions.Contains(Path.GetExtension(p).TrimStart('.').ToLowerInvariant()))))
    .Where(f => f.Reader is not null)
    .Select(f => new Sample(f.Path, Path.GetRelativePath(root, f.Path), Path.GetFileName(Path.GetDirectoryName(f.Path)!), f.Reader!))
    .OrderBy(s => s.Relative, StringComparer.Ordinal)
    .GroupBy(s => s.Label).SelectMany(g => g.Take(maxPerLabel))
    .ToList();
Console.Error.WriteLine($"{files.Count} files under {root}");

var parsed = new List<Parsed>();
var failures = new List<string>();
var parseTimes = new Dictionary<CadFormat, List<double>>();
var extractTimes = new Dictionary<CadFormat, List<double>>();
foreach (var sample in files)
{
    var bytes = File.ReadAllBytes(sample.Path);
    var started = Stopwatch.GetTimestamp();
    var document = TryRead(sample.Reader, bytes, out var error);
    if (document is null)
    {
        failures.Add($"{sample.Relative}: {error}");
        continue;
    }

    var parseMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    started = Stopwatch.GetTimestamp();
    _ = FeatureExtractor.Extract(document, FeatureVersion.V5);
    var extractMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    (parseTimes.TryGetValue(document.Format, out var pt) ? pt : parseTimes[document.Format] = []).Add(parseMs);
    (extractTimes.TryGetValue(document.Format, out var et) ? et : extractTimes[document.Format] = []).Add(extractMs);
    parsed.Add(new Parsed(sample, bytes, document, Split.IsFitting(sample.Relative)));
}

Console.Error.WriteLine($"parsed {parsed.Count}, failed {failures.Count}");

if (vectorsPath is not null)
{
    // The v5 vector of every file (file name → values), e.g. to pin golden vectors in tests.
    File.WriteAllText(vectorsPath, JsonSerializer.Serialize(parsed.ToDictionary(p => Path.GetFileName(p.Sample.Path), p => FeatureExtractor.Extract(p.Document, FeatureVersion.V5).Values), new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

if (dumpPath is not null)
{
    // Design work: raw v5 values with label and split, one line per file, for offline analysis.
    File.WriteAllLines(dumpPath, parsed.Select(p => string.Join(',', [p.Sample.Label, p.Fitting ? "fit" : "test", .. ShapeFeatures.Raw(p.Document).Select(v => v.ToString("R", inv))])));
    return 0;
}

if (fitPath is not null)
{
    File.WriteAllText(fitPath, Fit.Constants(parsed.Where(p => p.Fitting).ToList()));
    Console.Error.WriteLine($"wrote v5 standardisation constants fitted on {parsed.Count(p => p.Fitting)} files to {fitPath}");
    return 0;
}

var report = new StringBuilder();
var json = new Dictionary<string, object?>();
var panels = new List<object>();
report.AppendLine(CultureInfo.InvariantCulture, $"Measured on the test half (odd path hash) of `{Path.GetFileName(root)}`; v5's constants were fitted on the other half.");
report.AppendLine();
foreach (var group in parsed.Where(p => !p.Fitting).GroupBy(p => p.Document.Format).OrderBy(g => g.Key))
{
    var test = group.ToList();
    var labels = test.Select(p => p.Sample.Label).ToList();
    var labelCount = labels.Distinct().Count();
    var section = Evaluation.Run(group.Key, test, transforms, root);
    report.AppendLine(CultureInfo.InvariantCulture, $"## {group.Key.Name().ToUpperInvariant()}: {test.Count} test files, {labelCount} labels (chance P@10 ≈ {Evaluation.Chance(labels):P1})");
    report.AppendLine();
    report.Append(section.Markdown);
    json[group.Key.Name()] = section.Json;
    panels.AddRange(section.Panels);
}

if (failures.Count > 0)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"Files that failed to parse ({failures.Count}, left out): {string.Join("; ", failures.Take(10))}");
    report.AppendLine();
}

report.AppendLine("## Cost per file (this run, shared machine)");
report.AppendLine();
report.AppendLine("| format | files | parse p50 ms | v5 extraction p50 ms |");
report.AppendLine("|---|---|---|---|");
foreach (var (format, times) in parseTimes.OrderBy(t => t.Key))
{
    report.AppendLine(CultureInfo.InvariantCulture, $"| {format.Name()} | {times.Count} | {Retrieval.Median(times):F2} | {Retrieval.Median(extractTimes[format]):F4} |");
}

// Extension point (issue 14 part B): classifier accuracy, ECE and abstention go here as further
// sections computed from the same test half (`parsed.Where(p => !p.Fitting)`).
foreach (var extension in ReportSections.All)
{
    report.AppendLine();
    report.Append(extension(parsed.Where(p => !p.Fitting).ToList()));
}

var markdown = report.ToString();
Console.WriteLine(markdown);
if (outPath is not null)
{
    File.WriteAllText(outPath, markdown);
    var jsonPath = Path.ChangeExtension(outPath, ".json");
    File.WriteAllText(jsonPath, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    var plotData = Path.GetTempFileName();
    File.WriteAllText(plotData, JsonSerializer.Serialize(new { panels }));
    var png = Path.ChangeExtension(outPath, ".png");
    Evaluation.Python("plot_scores.py", plotData, png);
    Console.Error.WriteLine($"wrote {outPath}, {jsonPath}, {png}");
}

return 0;

static CadDocument? TryRead(ICadReader reader, byte[] bytes, out string? error)
{
    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        error = null;
        return reader.Read(bytes, timeout.Token);
    }
    catch (Exception e) when (e is CadReadException or OperationCanceledException or FormatException or InvalidDataException)
    {
        error = e.Message;
        return null;
    }
}

namespace CadMl.Evaluate
{
    public sealed record Sample(string Path, string Relative, string Label, ICadReader Reader);

    public sealed record Parsed(Sample Sample, byte[] Bytes, CadDocument Document, bool Fitting);

    /// <summary>Extra report sections (markdown) computed from the test half; part B adds the classifier's here.</summary>
    public static class ReportSections
    {
        public static List<Func<IReadOnlyList<Parsed>, string>> All { get; } = [];
    }

    /// <summary>The documented split: FNV-1a (XxHash64 would do as well) of the path relative to DIR, even = fitting.</summary>
    public static class Split
    {
        public static bool IsFitting(string relative) => (Hash(relative) & 1) == 0;

        public static ulong Hash(string relative)
        {
            var h = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(relative.Replace('\\', '/')))
            {
                h = (h ^ b) * 1099511628211UL;
            }

            return h;
        }
    }
}
