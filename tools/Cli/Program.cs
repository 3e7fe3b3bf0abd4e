using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CadMl.Cli;

/// <summary>
/// <c>cadml import|analyze|similar|stats</c>. Exit codes: 0 done, 1 files left failed or the
/// service refused the command, 2 usage. Secrets (the API key) are sent, never printed.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: cadml <command> [options]

          import DIR [--concurrency N] [--material M] [--project P] [--label-from-folder]
                     [--journal PATH] [--report PREFIX] [--retry-rejected] [--progress auto|bar|plain|none]
                     [--progress-interval SECONDS] [--json]
          analyze FILE [--material M] [--project P] [--json]
          similar FILE [-k 10] [--json]
          stats [--json]

        every command: --url URL (or CADML_URL, default http://127.0.0.1:8080)
                       --api-key KEY (or CADML_API_KEY) --timeout SECONDS (120) --retries N (8)
        """;

    private static readonly HashSet<string> Switches = new(StringComparer.Ordinal) { "label-from-folder", "retry-rejected", "json", "help", "h" };

    public static async Task<int> Main(string[] argv)
    {
        if (argv.Length == 0 || argv[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage);
            return argv.Length == 0 ? 2 : 0;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl-C stops cleanly (the journal holds what finished); a second one kills.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };

        try
        {
            var args = Arguments.Parse(argv.Skip(1), Switches);
            return argv[0] switch
            {
                "import" => await ImportAsync(args, cancel.Token),
                "analyze" => await AnalyzeAsync(args, cancel.Token),
                "similar" => await SimilarAsync(args, cancel.Token),
                "stats" => await StatsAsync(args, cancel.Token),
                _ => throw new UsageException($"Unknown command '{argv[0]}'."),
            };
        }
        catch (UsageException exception)
        {
            Console.Error.WriteLine($"cadml: {exception.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (ImportAbortedException exception)
        {
            Console.Error.WriteLine($"cadml: import stopped: {exception.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cadml: interrupted; run the same command again to resume.");
            return 130;
        }
        catch (HttpRequestException exception)
        {
            Console.Error.WriteLine($"cadml: the service did not answer: {exception.Message}");
            return 1;
        }
    }

    private static async Task<int> ImportAsync(Arguments args, CancellationToken cancellationToken)
    {
        var root = Single(args, "DIR");
        var json = args.Switch("json");
        var progress = args.Text("progress", "auto") switch
        {
            "auto" => Console.IsErrorRedirected ? ProgressMode.Plain : ProgressMode.Bar,
            "bar" => ProgressMode.Bar,
            "plain" => ProgressMode.Plain,
            "none" => ProgressMode.None,
            var other => throw new UsageException($"--progress must be auto, bar, plain or none (was '{other}')."),
        };
        var settings = new ImportSettings(
            root,
            args.Int("concurrency", 4, 1, 256),
            args.Text("material"),
            args.Text("project"),
            args.Switch("label-from-folder"),
            args.Switch("retry-rejected"),
            args.Text("journal", "cadml-import.journal")!,
            args.Text("report", "cadml-import-report")!,
            progress,
            TimeSpan.FromSeconds(args.Int("progress-interval", 5, 1, 3600)));
        var connection = Connection.From(args);
        args.RejectUnknown();

        using var client = new ServiceClient(connection);
        var summary = await new Importer(settings, client).RunAsync(cancellationToken);
        summary.WriteReports(settings.ReportPath);
        if (json)
        {
            Console.WriteLine(summary.SummaryJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            PrintSummary(summary, settings.ReportPath);
        }

        return summary.Count("failed") == 0 ? 0 : 1;
    }

    private const int ListedRefusals = 20;

    private static void PrintSummary(ImportSummary summary, string report)
    {
        var rows = new List<string[]>
        {
            new[] { "imported", Number(summary.Count("imported")) },
            new[] { "duplicates", Number(summary.Count("duplicate")) },
            new[] { "rejected", Number(summary.Count("rejected")) },
        };
        rows.AddRange(summary.RejectedByCode().Select(e => new[] { "  " + e.Key, Number(e.Value) }));
        rows.Add(["failed (retry later)", Number(summary.Count("failed"))]);
        rows.Add(["done by an earlier run", Number(summary.Files.Count(f => f.FromJournal))]);
        rows.Add(["unsupported files", Number(summary.Unsupported.Values.Sum()) +
            (summary.Unsupported.Count == 0 ? "" : " (" + string.Join(", ", summary.Unsupported.Select(e => $"{e.Key} {e.Value}")) + ")")]);
        rows.Add(["retries", Number(summary.Retries) +
            (summary.RetryReasons.Count == 0 ? "" : " (" + string.Join(", ", summary.RetryReasons.Select(e => $"{e.Key} {e.Value}")) + ")")]);
        rows.Add(["throughput", string.Create(CultureInfo.InvariantCulture,
            $"{summary.SentFiles} files, {summary.SentBytes / 1048576.0:0.0} MB in {ImportProgress.Duration(summary.Elapsed)}: {summary.FilesPerSecond:0.0} files/s, {summary.MegabytesPerSecond:0.00} MB/s")]);
        Table.Print(["", ""], rows, header: false);
        // Every refused file is listed, also those an earlier (interrupted) run refused: the counts
        // above include them, and a rerun does not send them again unless --retry-rejected.
        var refused = summary.Files.Where(f => f.Outcome is "rejected" or "failed").ToList();
        foreach (var failed in refused.Take(ListedRefusals))
        {
            Console.WriteLine($"  {failed.Outcome} {failed.Code}: {failed.Path}{(failed.FromJournal ? " (earlier run)" : "")}");
        }

        if (refused.Count > ListedRefusals)
        {
            Console.WriteLine($"  … {refused.Count - ListedRefusals} more in the report");
        }

        Console.WriteLine($"report: {report}.csv, {report}.json");
    }

    private static async Task<int> AnalyzeAsync(Arguments args, CancellationToken cancellationToken)
    {
        var file = Single(args, "FILE");
        var json = args.Switch("json");
        var material = args.Text("material");
        var project = args.Text("project");
        using var client = new ServiceClient(Connection.From(args));
        args.RejectUnknown();

        var answer = await client.AnalyzeAsync(file, Path.GetFileName(file), material, project, await KeyAsync(file, material, project), cancellationToken);
        if (!answer.Ok || json)
        {
            return Print(answer, json);
        }

        var body = answer.Body!;
        var classification = body["classification"];
        Table.Print(["", ""],
        [
            ["id", Text(body["id"])],
            ["file", Text(body["file_name"])],
            ["format", Text(body["format"])],
            ["feature version", Text(body["feature_version"])],
            ["class", classification is null ? "-" : $"{Text(classification["label"])} (confidence {Text(classification["confidence"])})"],
            ["entities", Text(body["document"]?["entity_count"])],
            ["size", $"{Text(body["document"]?["bbox"]?["width"])} x {Text(body["document"]?["bbox"]?["height"])} x {Text(body["document"]?["bbox"]?["depth"])}"],
        ], header: false);
        Console.WriteLine();
        PrintHits(body["similar"]?.AsArray());
        return 0;
    }

    private static async Task<int> SimilarAsync(Arguments args, CancellationToken cancellationToken)
    {
        var file = Single(args, "FILE");
        var json = args.Switch("json");
        var k = args.Int("k", 10, 1, 100);
        using var client = new ServiceClient(Connection.From(args));
        args.RejectUnknown();

        // The file is analysed (and so kept) under a key derived from its content: asking again stores nothing new.
        var analysis = await client.AnalyzeAsync(file, Path.GetFileName(file), null, null, await KeyAsync(file, null, null), cancellationToken);
        if (!analysis.Ok)
        {
            return Print(analysis, json);
        }

        var search = await client.SearchAsync(analysis.Body!["id"]!.GetValue<string>(), k, cancellationToken);
        if (!search.Ok || json)
        {
            return Print(search, json);
        }

        PrintHits(search.Body!["results"]?.AsArray());
        return 0;
    }

    private static async Task<int> StatsAsync(Arguments args, CancellationToken cancellationToken)
    {
        var json = args.Switch("json");
        using var client = new ServiceClient(Connection.From(args));
        args.RejectUnknown();

        var answer = await client.GetAsync("api/v1/vectors/stats", cancellationToken);
        if (!answer.Ok || json)
        {
            return Print(answer, json);
        }

        // Scalars first as one table, then one table per section (by version, format, material, index).
        var body = answer.Body!.AsObject();
        Table.Print(["", ""], [.. body.Where(p => p.Value is JsonValue).Select(p => new[] { p.Key, Text(p.Value) })], header: false);
        foreach (var (name, section) in body.Where(p => p.Value is JsonObject))
        {
            Console.WriteLine();
            Console.WriteLine(name);
            Table.Print(["", ""], [.. Flatten(section!.AsObject(), "")], header: false);
        }

        return 0;
    }

    private static IEnumerable<string[]> Flatten(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            if (value is JsonObject child)
            {
                foreach (var row in Flatten(child, prefix + key + "."))
                {
                    yield return row;
                }
            }
            else
            {
                yield return ["  " + prefix + key, Text(value)];
            }
        }
    }

    private static void PrintHits(JsonArray? hits)
    {
        if (hits is null || hits.Count == 0)
        {
            Console.WriteLine("no similar parts");
            return;
        }

        Table.Print(["#", "score", "id", "file", "label", "format"],
        [
            .. hits.Select((h, i) => new[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture),
                h!["score"]!.GetValue<double>().ToString("0.000", CultureInfo.InvariantCulture),
                Text(h["id"]),
                Text(h["meta"]?["file_name"]),
                Text(h["meta"]?["label"]),
                Text(h["meta"]?["format"]),
            }),
        ], header: true);
    }

    /// <summary>JSON as the service sent it with --json; a refusal as one line with its code on stderr.</summary>
    private static int Print(Answer answer, bool json)
    {
        if (json && answer.Body is not null)
        {
            Console.WriteLine(answer.Body.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        if (!answer.Ok)
        {
            Console.Error.WriteLine($"cadml: {(int)answer.Status} {answer.Code}: {answer.Message}");
            return 1;
        }

        return 0;
    }

    /// <summary>The same key <c>import</c> would not use (a different prefix): one-off analyses are their own requests.</summary>
    private static async Task<string> KeyAsync(string file, string? material, string? project)
    {
        if (!File.Exists(file))
        {
            throw new UsageException($"{file} is not a file.");
        }

        await using var stream = File.OpenRead(file);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
        var parts = string.Join("\n", sha, Path.GetFileName(file), material ?? "\0", project ?? "\0");
        return "cadml-analyze-" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(parts)));
    }

    private static string Single(Arguments args, string name) =>
        args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException($"Expected exactly one {name}.");

    private static string Text(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value when value.TryGetValue<double>(out var d) => d.ToString("G6", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}

internal static class Table
{
    /// <summary>Left-aligned columns separated by two spaces; numbers right-aligned.</summary>
    public static void Print(string[] headers, IReadOnlyList<string[]> rows, bool header)
    {
        var all = header ? [headers, .. rows] : rows.ToList();
        var widths = Enumerable.Range(0, headers.Length).Select(c => all.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        foreach (var row in all)
        {
            var cells = row.Select((cell, c) => c == row.Length - 1 ? cell
                : double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            Console.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
