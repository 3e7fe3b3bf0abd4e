using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CadMl.Cli;

internal sealed record ImportSettings(
    string Root,
    int Concurrency,
    string? Material,
    string? Project,
    bool LabelFromFolder,
    bool RetryRejected,
    string JournalPath,
    string ReportPath,
    ProgressMode Progress,
    TimeSpan PlainInterval);

/// <summary>One file's outcome in this run. <see cref="FromJournal"/>: a previous run finished it.</summary>
internal sealed record FileResult(
    string Path,
    long SizeBytes,
    string Sha256,
    string Outcome,
    string? Code,
    string? Message,
    string? AnalysisId,
    string? Label,
    int Attempts,
    bool FromJournal);

/// <summary>The service refused every request (bad key, wrong URL): stop instead of marking every file rejected.</summary>
internal sealed class ImportAbortedException(string message) : Exception(message);

/// <summary>
/// Walks a folder tree and uploads every CAD file once. Outcomes: <c>imported</c>, <c>duplicate</c>
/// (the service answered with an analysis this import already has: the same content, name and
/// options as another file), <c>rejected</c> (the service refused the file; its problem code is
/// kept), <c>failed</c> (no answer after the retries; not journaled, so the next run tries again).
/// </summary>
internal sealed class Importer(ImportSettings settings, ServiceClient client)
{
    public static readonly HashSet<string> Supported = new(StringComparer.OrdinalIgnoreCase) { ".dxf", ".stl", ".step", ".stp", ".iges", ".igs" };

    private readonly ConcurrentDictionary<string, byte> _analyses = new(StringComparer.Ordinal);

    public async Task<ImportSummary> RunAsync(CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(settings.Root);
        var (files, unsupported) = Walk(root);
        var totalBytes = files.Sum(f => f.Length);
        using var journal = ImportJournal.Open(settings.JournalPath, client.BaseUrl.ToString());
        foreach (var id in journal.AnalysisIds)
        {
            _analyses.TryAdd(id, 0);
        }

        var progress = new ImportProgress(files.Count, totalBytes, client, settings.Progress, settings.PlainInterval);
        using var stopProgress = new CancellationTokenSource();
        var rendering = progress.RunAsync(stopProgress.Token);
        var results = new ConcurrentBag<FileResult>();
        try
        {
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (file, token) =>
                {
                    var result = await ImportAsync(root, file, journal, token);
                    results.Add(result);
                    progress.Finished(file.Length, sent: !result.FromJournal, error: result.Outcome is "rejected" or "failed");
                });
        }
        finally
        {
            await stopProgress.CancelAsync();
            await rendering;
        }

        var ordered = results.OrderBy(r => r.Path, StringComparer.Ordinal).ToList();
        return new ImportSummary(ordered, unsupported, progress.Elapsed, progress.SentFiles, progress.SentBytes, client.Retries,
            new SortedDictionary<string, int>(client.RetryReasons, StringComparer.Ordinal));
    }

    private async Task<FileResult> ImportAsync(string root, FileInfo file, ImportJournal journal, CancellationToken cancellationToken)
    {
        var relative = Path.GetRelativePath(root, file.FullName).Replace('\\', '/');
        try
        {
            return await SendAsync(relative, file, journal, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Moved, deleted or unreadable since the walk: this file fails, the import goes on.
            return new FileResult(relative, file.Length, "", "failed", "FILE_UNREADABLE", exception.Message, null, null, 0, FromJournal: false);
        }
    }

    private async Task<FileResult> SendAsync(string relative, FileInfo file, ImportJournal journal, CancellationToken cancellationToken)
    {
        var sha256 = await HashAsync(file, cancellationToken);
        var label = settings.LabelFromFolder && relative.Contains('/', StringComparison.Ordinal) ? relative[..relative.IndexOf('/', StringComparison.Ordinal)] : null;
        var key = Key(sha256, file.Name, label);

        if (journal.Find(relative, sha256) is { } earlier && !(earlier.Outcome == "rejected" && settings.RetryRejected))
        {
            return new FileResult(relative, file.Length, sha256, earlier.Outcome, earlier.Code, null, earlier.AnalysisId, label, 0, FromJournal: true);
        }

        Answer answer;
        try
        {
            answer = await client.AnalyzeAsync(file.FullName, file.Name, settings.Material, settings.Project, key, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new FileResult(relative, file.Length, sha256, "failed", "NO_ANSWER", exception.Message, null, label, 0, FromJournal: false);
        }

        if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            throw new ImportAbortedException($"{client.BaseUrl} answered {(int)answer.Status} {answer.Code}: {answer.Message}");
        }

        if (!answer.Ok)
        {
            var outcome = (int)answer.Status is >= 400 and < 500 || answer.Code == "PARSE_TIMEOUT" ? "rejected" : "failed";
            if (outcome == "rejected")
            {
                journal.Append(new JournalEntry(relative, sha256, key, outcome, answer.Code, null, client.BaseUrl.ToString(), DateTimeOffset.UtcNow));
            }

            return new FileResult(relative, file.Length, sha256, outcome, answer.Code, answer.Message, null, label, answer.Attempts, FromJournal: false);
        }

        var id = answer.Body!["id"]!.GetValue<string>();
        var attempts = answer.Attempts;
        if (label is not null)
        {
            var labelled = await client.RegisterAsync(LabelledVector(answer.Body!, id, label), key + "-label", cancellationToken);
            attempts += labelled.Attempts;
            if (!labelled.Ok)
            {
                return new FileResult(relative, file.Length, sha256, "failed", labelled.Code, labelled.Message, id, label, attempts, FromJournal: false);
            }
        }

        var result = _analyses.TryAdd(id, 0) ? "imported" : "duplicate";
        journal.Append(new JournalEntry(relative, sha256, key, result, null, id, client.BaseUrl.ToString(), DateTimeOffset.UtcNow));
        return new FileResult(relative, file.Length, sha256, result, null, null, id, label, attempts, FromJournal: false);
    }

    /// <summary>
    /// Everything that decides what the service stores for this file, so a retry (this run or the
    /// next) is recognised as the same request and a different file or option never is.
    /// </summary>
    private string Key(string sha256, string fileName, string? label)
    {
        var parts = string.Join("\n", sha256, fileName, settings.Material ?? "\0", settings.Project ?? "\0", label ?? "\0");
        return "cadml-import-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parts)));
    }

    /// <summary>The analysis's own vector and meta, with the folder's name as its label.</summary>
    private JsonObject LabelledVector(JsonNode analysis, string id, string label)
    {
        var meta = new JsonObject
        {
            ["format"] = analysis["format"]!.GetValue<string>(),
            ["file_name"] = analysis["file_name"]!.GetValue<string>(),
            ["label"] = label,
        };
        if (settings.Material is not null)
        {
            meta["material"] = settings.Material;
        }

        if (settings.Project is not null)
        {
            meta["project_id"] = settings.Project;
        }

        return new JsonObject
        {
            ["id"] = id,
            ["vector"] = analysis["features"]!["vector"]!.DeepClone(),
            ["feature_version"] = analysis["feature_version"]!.GetValue<string>(),
            ["meta"] = meta,
        };
    }

    private (List<FileInfo> Files, SortedDictionary<string, int> Unsupported) Walk(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new UsageException($"{settings.Root} is not a folder.");
        }

        var own = new HashSet<string>(StringComparer.Ordinal) { Path.GetFullPath(settings.JournalPath), Path.GetFullPath(settings.ReportPath + ".csv"), Path.GetFullPath(settings.ReportPath + ".json") };
        var files = new List<FileInfo>();
        var unsupported = new SortedDictionary<string, int>(StringComparer.Ordinal);
        // Hidden entries (on Unix: names starting with '.', such as .git) are not parts.
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint | FileAttributes.Hidden };
        foreach (var path in Directory.EnumerateFiles(root, "*", options).Order(StringComparer.Ordinal))
        {
            if (own.Contains(path))
            {
                continue;
            }

            var extension = Path.GetExtension(path);
            if (Supported.Contains(extension))
            {
                files.Add(new FileInfo(path));
            }
            else
            {
                var name = extension.Length == 0 ? "(none)" : extension.ToLowerInvariant();
                unsupported[name] = unsupported.GetValueOrDefault(name) + 1;
            }
        }

        // Sent in an order shuffled by a stable hash of the path, not folder by folder: the first
        // minutes then mix small and large files as the whole tree does, so MB/s and the ETA are
        // honest early (sorted, a tree of small DXF before large STEP promised a far later end).
        return ([.. files.OrderBy(f => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(f.FullName))), StringComparer.Ordinal)], unsupported);
    }

    private static async Task<string> HashAsync(FileInfo file, CancellationToken cancellationToken)
    {
        await using var stream = file.OpenRead();
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}

internal sealed record ImportSummary(
    IReadOnlyList<FileResult> Files,
    IReadOnlyDictionary<string, int> Unsupported,
    TimeSpan Elapsed,
    long SentFiles,
    long SentBytes,
    long Retries,
    IReadOnlyDictionary<string, int> RetryReasons)
{
    public int Count(string outcome) => Files.Count(f => f.Outcome == outcome);

    public SortedDictionary<string, int> RejectedByCode() =>
        new(Files.Where(f => f.Outcome == "rejected").GroupBy(f => f.Code ?? "?").ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);

    public double FilesPerSecond => SentFiles / Math.Max(Elapsed.TotalSeconds, 0.001);

    public double MegabytesPerSecond => SentBytes / 1048576.0 / Math.Max(Elapsed.TotalSeconds, 0.001);

    public void WriteReports(string prefix)
    {
        var csv = new StringBuilder("path,size_bytes,sha256,outcome,code,analysis_id,label,attempts,from_journal,message\n");
        foreach (var f in Files)
        {
            csv.AppendJoin(',', Csv(f.Path), f.SizeBytes.ToString(CultureInfo.InvariantCulture), f.Sha256, f.Outcome, Csv(f.Code), Csv(f.AnalysisId), Csv(f.Label),
                f.Attempts.ToString(CultureInfo.InvariantCulture), f.FromJournal ? "true" : "false", Csv(f.Message)).Append('\n');
        }

        File.WriteAllText(prefix + ".csv", csv.ToString());
        var json = new JsonObject
        {
            ["summary"] = SummaryJson(),
            ["files"] = new JsonArray([.. Files.Select(f => (JsonNode)new JsonObject
            {
                ["path"] = f.Path, ["size_bytes"] = f.SizeBytes, ["sha256"] = f.Sha256, ["outcome"] = f.Outcome, ["code"] = f.Code,
                ["message"] = f.Message, ["analysis_id"] = f.AnalysisId, ["label"] = f.Label, ["attempts"] = f.Attempts, ["from_journal"] = f.FromJournal,
            })]),
        };
        File.WriteAllText(prefix + ".json", json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public JsonObject SummaryJson() => new()
    {
        ["imported"] = Count("imported"),
        ["duplicates"] = Count("duplicate"),
        ["rejected"] = Count("rejected"),
        ["rejected_by_code"] = new JsonObject([.. RejectedByCode().Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
        ["failed"] = Count("failed"),
        ["from_journal"] = Files.Count(f => f.FromJournal),
        ["unsupported"] = new JsonObject([.. Unsupported.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
        ["sent_files"] = SentFiles,
        ["sent_bytes"] = SentBytes,
        ["elapsed_seconds"] = Math.Round(Elapsed.TotalSeconds, 3),
        ["files_per_second"] = Math.Round(FilesPerSecond, 3),
        ["megabytes_per_second"] = Math.Round(MegabytesPerSecond, 3),
        ["retries"] = Retries,
        ["retry_reasons"] = new JsonObject([.. RetryReasons.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
    };

    private static string Csv(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
