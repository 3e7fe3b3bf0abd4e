using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Evaluate;

public sealed record Section(string Markdown, object Json, IReadOnlyList<object> Panels);

/// <summary>Retrieval metrics of one format's test files for every feature version, plain and with transformed query files.</summary>
public static class Evaluation
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static double Chance(List<string> labels)
    {
        var n = labels.Count;
        return n < 2 ? 0 : labels.GroupBy(l => l).Sum(g => (double)g.Count() * (g.Count() - 1)) / ((double)n * (n - 1));
    }

    public static Section Run(CadFormat format, List<Parsed> test, bool withTransforms, string root)
    {
        var n = test.Count;
        var labels = test.Select(p => p.Sample.Label).ToArray();
        var perLabel = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var versions = FeatureVersions.All;
        var db = versions.ToDictionary(v => v, v => test.Select(p => Retrieval.Normalise(Experiment.Weigh(FeatureExtractor.Extract(p.Document, v)))).ToList());

        var kinds = withTransforms && format is CadFormat.Step or CadFormat.Stl or CadFormat.Dxf
            ? Enum.GetValues<TransformKind>() : [];
        var copies = new Dictionary<TransformKind, CadDocument?[]>();
        var transformFailures = new Dictionary<TransformKind, int>();
        foreach (var kind in kinds)
        {
            copies[kind] = Transformed(format, test, kind);
            transformFailures[kind] = copies[kind].Count(d => d is null);
        }

        var md = new StringBuilder();
        var json = new Dictionary<string, object>();
        md.AppendLine("| version | P@1 | P@10 | mAP@10 |" + string.Concat(kinds.Select(k => $" P@10 {Name(k)} |")) + string.Concat(kinds.Select(k => $" self-first {Name(k)} |")));
        md.AppendLine("|---|---|---|---|" + string.Concat(kinds.Select(_ => "---|")) + string.Concat(kinds.Select(_ => "---|")));
        var scoreRows = new StringBuilder();
        scoreRows.AppendLine("| version | median same-label score | median different-label score | 10th neighbour score p50 | largest slot share (slot) |" + string.Concat(kinds.Select(k => $" median copy score {Name(k)} |")));
        scoreRows.AppendLine("|---|---|---|---|---|" + string.Concat(kinds.Select(_ => "---|")));
        var twinRows = new StringBuilder();
        twinRows.AppendLine("| version |" + string.Concat(kinds.Select(k => $" self-first {Name(k)}, exact duplicates of the original counted |")));
        twinRows.AppendLine("|---|" + string.Concat(kinds.Select(_ => "---|")));
        var panels = new List<object>();
        foreach (var v in versions)
        {
            var vectors = db[v];
            double p1 = 0, p10 = 0, map = 0;
            var tenth = new List<double>();
            for (var q = 0; q < n; q++)
            {
                var ranking = Retrieval.Rank(vectors[q], vectors, q);
                var label = labels[q];
                var s = Retrieval.Score(ranking, i => labels[i] == label, perLabel[label] - 1);
                p1 += s.P1;
                p10 += s.Pk;
                map += s.APk;
                if (ranking.Length >= 10)
                {
                    tenth.Add(Retrieval.Dot(vectors[q], vectors[ranking[9]]));
                }
            }

            var same = new List<double>();
            var different = new List<double>();
            for (var a = 0; a < n; a++)
            {
                for (var b = a + 1; b < n; b++)
                {
                    (labels[a] == labels[b] ? same : different).Add(Retrieval.Dot(vectors[a], vectors[b]));
                }
            }

            var row = new Dictionary<string, object>
            {
                ["p_at_1"] = p1 / n,
                ["p_at_10"] = p10 / n,
                ["map_at_10"] = map / n,
                ["median_same_label_score"] = Retrieval.Median(same),
                ["median_different_label_score"] = Retrieval.Median(different),
                ["median_tenth_neighbour_score"] = Retrieval.Median(tenth),
            };
            var line = new StringBuilder($"| {v.Name()} | {p1 / n:P1} | {p10 / n:P1} | {map / n:P1} |");
            var selfLine = new StringBuilder();
            var twinLine = new StringBuilder($"| {v.Name()} |");
            var copyScores = new List<double>();
            var (share, slot) = LargestSlotShare(test, v);
            row["largest_slot_share"] = share;
            row["largest_slot"] = FeatureSlots.Of(v)[slot].Name;
            var scoreLine = new StringBuilder($"| {v.Name()} | {Retrieval.Median(same):F3} | {Retrieval.Median(different):F3} | {Retrieval.Median(tenth):F4} | {share:P1} ({FeatureSlots.Of(v)[slot].Name}) |");
            foreach (var kind in kinds)
            {
                double tp10 = 0, first = 0, firstOrTwin = 0;
                var used = 0;
                var kindScores = new List<double>();
                for (var q = 0; q < n; q++)
                {
                    if (copies[kind][q] is not { } copy)
                    {
                        continue;
                    }

                    used++;
                    var query = Retrieval.Normalise(Experiment.Weigh(FeatureExtractor.Extract(copy, v)));
                    var label = labels[q];
                    tp10 += Retrieval.Score(Retrieval.Rank(query, vectors, q), i => labels[i] == label, perLabel[label] - 1).Pk;
                    var all = Retrieval.Rank(query, vectors);
                    first += all.Length > 0 && all[0] == q ? 1 : 0;
                    // An exact geometric duplicate of the original elsewhere in the set (the same
                    // vector, bit for bit) ties with it and may rank first by position.
                    firstOrTwin += all.Length > 0 && (all[0] == q || vectors[all[0]].AsSpan().SequenceEqual(vectors[q])) ? 1 : 0;
                    var score = Retrieval.Dot(query, vectors[q]);
                    kindScores.Add(score);
                    copyScores.Add(score);
                }

                var tp = used > 0 ? tp10 / used : double.NaN;
                var fr = used > 0 ? first / used : double.NaN;
                row[$"p_at_10_{Name(kind)}"] = tp;
                row[$"self_first_{Name(kind)}"] = fr;
                row[$"self_first_or_exact_duplicate_{Name(kind)}"] = used > 0 ? firstOrTwin / used : double.NaN;
                row[$"median_copy_score_{Name(kind)}"] = Retrieval.Median(kindScores);
                line.Append(Inv, $" {tp:P1} |");
                selfLine.Append(Inv, $" {fr:P1} |");
                twinLine.Append(Inv, $" {(used > 0 ? firstOrTwin / used : double.NaN):P1} |");
                scoreLine.Append(Inv, $" {Retrieval.Median(kindScores):F4} |");
            }

            md.AppendLine(line.ToString() + selfLine);
            scoreRows.AppendLine(scoreLine.ToString());
            twinRows.AppendLine(twinLine.ToString());
            json[v.Name()] = row;
            if (v is FeatureVersion.V4 or FeatureVersion.V5)
            {
                panels.Add(new
                {
                    title = $"{format.Name().ToUpperInvariant()} {v.Name()}: pair scores on the test half",
                    series = new Dictionary<string, List<double>> { ["same label"] = same, ["different label"] = different, ["transformed copy vs original"] = copyScores },
                });
            }
        }

        md.AppendLine();
        md.AppendLine("Scores (cosine of the stored vectors, as the service computes them):");
        md.AppendLine();
        md.Append(scoreRows);
        md.AppendLine();
        md.AppendLine("Self-retrieval when a file with exactly the same vector as the original (a geometric duplicate under another name) ranking first also counts:");
        md.AppendLine();
        md.Append(twinRows);
        md.AppendLine();
        if (transformFailures.Any(f => f.Value > 0))
        {
            md.AppendLine("Transformed copies that could not be made or parsed (left out of their column): "
                + string.Join(", ", transformFailures.Where(f => f.Value > 0).Select(f => $"{Name(f.Key)} {f.Value}")));
            md.AppendLine();
        }

        json["transform_failures"] = transformFailures.ToDictionary(f => Name(f.Key), f => f.Value);
        return new Section(md.ToString(), json, panels);
    }

    /// <summary>The slot with the largest mean share of a vector's squared length (v²ᵢ / |v|²), and that share.</summary>
    private static (double Share, int Slot) LargestSlotShare(List<Parsed> test, FeatureVersion version)
    {
        var sums = new double[version.Dimension()];
        foreach (var p in test)
        {
            var values = FeatureExtractor.Extract(p.Document, version).Values;
            var norm = values.Sum(x => x * x);
            for (var i = 0; i < sums.Length && norm > 0; i++)
            {
                sums[i] += values[i] * values[i] / norm;
            }
        }

        var best = Array.IndexOf(sums, sums.Max());
        return (sums[best] / Math.Max(1, test.Count), best);
    }

    public static string Name(TransformKind kind) => kind switch
    {
        TransformKind.Rotate => "rotated",
        TransformKind.Translate => "translated",
        TransformKind.Scale10 => "scaled×10",
        _ => "mirrored",
    };

    /// <summary>Each file transformed by <paramref name="kind"/> (its own seeded transform) and parsed again; null where that failed.</summary>
    public static CadDocument?[] Transformed(CadFormat format, List<Parsed> test, TransformKind kind)
    {
        var result = new CadDocument?[test.Count];
        var planar = format == CadFormat.Dxf;
        if (format == CadFormat.Dxf)
        {
            var dir = Directory.CreateTempSubdirectory("cadml-eval-");
            try
            {
                var jobs = test.Select((p, i) =>
                {
                    var t = Similarity.Of(kind, Seed(p, kind), planar);
                    var m = t.Linear;
                    return new
                    {
                        src = p.Sample.Path,
                        dst = Path.Combine(dir.FullName, $"{i}.dxf"),
                        m = new[] { m[0, 0], m[0, 1], m[0, 2], t.Translation[0], m[1, 0], m[1, 1], m[1, 2], t.Translation[1], m[2, 0], m[2, 1], m[2, 2], t.Translation[2], 0, 0, 0, 1.0 },
                    };
                }).ToList();
                var jobFile = Path.Combine(dir.FullName, "jobs.json");
                File.WriteAllText(jobFile, JsonSerializer.Serialize(jobs));
                Python("dxf_transform.py", jobFile);
                for (var i = 0; i < test.Count; i++)
                {
                    var dst = Path.Combine(dir.FullName, $"{i}.dxf");
                    result[i] = File.Exists(dst) ? Read(test[i].Sample.Reader, File.ReadAllBytes(dst)) : null;
                }
            }
            finally
            {
                dir.Delete(recursive: true);
            }

            return result;
        }

        for (var i = 0; i < test.Count; i++)
        {
            var t = Similarity.Of(kind, Seed(test[i], kind), planar);
            var bytes = format == CadFormat.Step ? FileTransforms.Step(test[i].Bytes, kind, t) : FileTransforms.Stl(test[i].Bytes, t);
            result[i] = bytes is null ? null : Read(test[i].Sample.Reader, bytes);
        }

        return result;
    }

    private static int Seed(Parsed p, TransformKind kind) => (int)(Split.Hash(p.Sample.Relative) >> 33) ^ ((int)kind * 7919);

    private static CadDocument? Read(ICadReader reader, byte[] bytes)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return reader.Read(bytes, timeout.Token);
        }
        catch (Exception e) when (e is CadReadException or OperationCanceledException or FormatException)
        {
            return null;
        }
    }

    public static void Python(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, script));
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"{script} failed: {stderr.Result}");
        }
    }
}

/// <summary>Design experiments only: CADML_EVAL_V5_WEIGHTS="from-to:w,..." multiplies v5 slots before scoring.</summary>
public static class Experiment
{
    private static readonly (int From, int To, double W)[] Weights = Parse(Environment.GetEnvironmentVariable("CADML_EVAL_V5_WEIGHTS"));

    public static IReadOnlyList<double> Weigh(FeatureVector vector)
    {
        if (vector.Version != FeatureVersion.V5 || Weights.Length == 0)
        {
            return vector.Values;
        }

        var values = vector.Values.ToArray();
        foreach (var (from, to, w) in Weights)
        {
            for (var i = from; i <= to; i++)
            {
                values[i] *= w;
            }
        }

        return values;
    }

    private static (int, int, double)[] Parse(string? text) => string.IsNullOrWhiteSpace(text) ? [] :
        [.. text.Split(',').Select(part =>
        {
            var (range, w) = (part.Split(':')[0], double.Parse(part.Split(':')[1], CultureInfo.InvariantCulture));
            var ends = range.Split('-');
            return (int.Parse(ends[0], CultureInfo.InvariantCulture), int.Parse(ends[^1], CultureInfo.InvariantCulture), w);
        })];
}
