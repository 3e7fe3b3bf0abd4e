using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Classification;
using CadMl.Domain.Features;

namespace CadMl.ModelTrainer;

/// <summary>What the trainer trains on unless told otherwise: the feature version the classifier declares.</summary>
internal static class TrainerDefaults
{
    public static FeatureVersion FeatureVersion => FeatureVersion.V5;

    /// <summary>v1..v4 slots are raw counts and extents spanning orders of magnitude; v5 defines its own standardisation.</summary>
    public static bool LogInput(FeatureVersion version) => version < FeatureVersion.V5;

    /// <summary>
    /// v5 keeps absolute lengths for search: the part's size, and where its size, median edge
    /// length, median radius and edge lengths sit within their decade (the same in mm, cm and m,
    /// not in inches). A class must depend on none of them, or the same part drawn in another unit
    /// would change family.
    /// </summary>
    public static IReadOnlyList<string> IgnoredSlots(FeatureVersion version) => version == FeatureVersion.V5
        ? [.. FeatureSlots.V5.Select(s => s.Name).Where(n => n == "size_log" || n.Contains("_phase_", StringComparison.Ordinal) || n.StartsWith("edge_decade_", StringComparison.Ordinal))]
        : [];
}

/// <summary>Reads a file with the service's own reader for its extension and extracts the trainer's feature version, as analyze does.</summary>
internal sealed class PartReader(IReadOnlyList<ICadReader> readers, FeatureVersion version)
{
    public FeatureVersion Version => version;

    /// <summary>The format and features, or null when no reader takes the file or it cannot be read.</summary>
    public (string Format, double[] Features)? Read(string path, byte[] bytes)
    {
        var extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        if (readers.FirstOrDefault(r => r.Extensions.Contains(extension)) is not { } reader)
        {
            return null;
        }

        try
        {
            var document = reader.Read(bytes, CancellationToken.None);
            var features = FeatureExtractor.Extract(document, version).Values.ToArray();
            return features.All(double.IsFinite) ? (document.Format.Name(), features) : null;
        }
        catch (Exception exception) when (exception is CadReadException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"skipped {path}: {exception.Message}");
            return null;
        }
    }
}

/// <summary>The held-out set as the calibrated model with its thresholds judged it.</summary>
internal sealed record CalibrationReport(double Temperature, AbstentionPolicy Policy, AbstentionFit Fit, double EceBefore, double EceAfter, IReadOnlyList<Judgement> Judged)
{
    public double AbstainedShare => Judged.Count(j => j.Reason is not null) / (double)Judged.Count;

    public double ShareOf(AbstentionReason reason) => Judged.Count(j => j.Reason == reason) / (double)Judged.Count;

    /// <summary>Accuracy over the parts the model answered with a class.</summary>
    public double AnsweredAccuracy(IReadOnlyList<Sample> test)
    {
        var answered = Judged.Select((j, i) => (j, test[i])).Where(p => p.j.Reason is null).ToList();
        return answered.Count == 0 ? 0 : answered.Count(p => p.j.Top == p.Item2.Label) / (double)answered.Count;
    }
}

/// <summary>Real files the model never saw, judged: outside its classes (should be unknown) or of one known class.</summary>
internal sealed record RealPartsResult(string Source, string? ExpectedLabel, int Files, int Unreadable, IReadOnlyList<Judgement> Judged)
{
    /// <summary>The trainer options that measure real parts; a retrain command repeats them.</summary>
    public static readonly string[] Options = ["--outside", "--known", "--stability"];

    public static RealPartsResult Judge(string dir, string pattern, string? expectedLabel, PartReader reader, CalibratedClassifier classifier)
    {
        var paths = Directory.EnumerateFiles(dir, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var judged = new List<Judgement>();
        var unreadable = 0;
        foreach (var path in paths)
        {
            if (reader.Read(path, File.ReadAllBytes(path)) is { } read)
            {
                judged.Add(classifier.Judge(read.Features));
            }
            else
            {
                unreadable++;
            }
        }

        var shown = pattern == "*" ? dir : Path.Combine(dir, pattern);
        return new RealPartsResult(shown, expectedLabel, paths.Count, unreadable, judged);
    }

    public int Read => Judged.Count;

    public double UnknownShare => Read == 0 ? 0 : Judged.Count(j => j.Reason is not null) / (double)Read;

    public double ShareOf(AbstentionReason reason) => Read == 0 ? 0 : Judged.Count(j => j.Reason == reason) / (double)Read;

    public double ShareLabelled(string label) => Read == 0 ? 0 : Judged.Count(j => j.Label == label) / (double)Read;

    public string LabelCounts() => string.Join(", ", Judged.GroupBy(j => j.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
}

/// <summary>One transform on one format: how many held-out parts kept their label when the file was moved and re-read.</summary>
internal sealed record StabilityRow(string Transform, string Format, int Parts, int Unchanged, int TopUnchanged)
{
    public double Share => Parts == 0 ? 0 : Unchanged / (double)Parts;
}

/// <summary>
/// Label stability: each held-out file is rewritten under a random rotation (about Z for a drawing,
/// any rotation for a mesh or solid) with a random offset, and scaled ×10 (millimetres read as
/// centimetres), re-read by the service's reader, and judged again. The label compared is the final
/// one (a class or unknown); the top class is reported next to it.
/// </summary>
internal sealed record StabilityReport(IReadOnlyList<StabilityRow> Rows)
{
    public static StabilityReport Measure(IReadOnlyList<Sample> test, int perFormat, int seed, PartReader reader, CalibratedClassifier classifier)
    {
        var random = new Random(seed);
        var rows = new List<StabilityRow>();
        var transforms = new (string Name, Func<bool, PartPlacement> Placement)[]
        {
            ("rotated", planar => PartPlacement.Random(random, 1, planar)),
            ("scaled ×10", _ => PartPlacement.Scaled(10)),
            ("rotated and scaled ×10", planar => PartPlacement.Random(random, 10, planar)),
        };
        foreach (var format in test.Select(s => s.Format).Distinct().Order(StringComparer.Ordinal))
        {
            var parts = test.Where(s => s.Format == format).Take(perFormat).ToList();
            foreach (var (name, placement) in transforms)
            {
                var (count, unchanged, topUnchanged) = (0, 0, 0);
                foreach (var part in parts)
                {
                    var original = classifier.Judge(part.Features);
                    var moved = PartTransforms.Apply(format, File.ReadAllBytes(part.Path), placement(format == "dxf"));
                    if (reader.Read(part.Path, moved) is not { } read)
                    {
                        continue;
                    }

                    var after = classifier.Judge(read.Features);
                    count++;
                    unchanged += after.Label == original.Label ? 1 : 0;
                    topUnchanged += after.Top == original.Top ? 1 : 0;
                }

                rows.Add(new StabilityRow(name, format, count, unchanged, topUnchanged));
            }
        }

        return new StabilityReport(rows);
    }

    public double Overall => Rows.Sum(r => r.Unchanged) / (double)Math.Max(1, Rows.Sum(r => r.Parts));
}
