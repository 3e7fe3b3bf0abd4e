using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using Microsoft.Data.Sqlite;

namespace CadMl.Api.Tests;

/// <summary>
/// <c>cadml import</c> as a process against the service as a process, on a tree of real corpus
/// files; what was stored is counted in the service's store file.
/// </summary>
public sealed class CliImportTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task An_import_killed_halfway_and_run_again_imports_every_file_exactly_once_and_lists_the_rejected_with_their_codes()
    {
        var work = Directory.CreateTempSubdirectory("cadml-import").FullName;
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var tree = Path.Combine(work, "library");
            var (distinct, copies) = BuildTree(tree, dxf: 60, stl: 6, step: 3);
            File.WriteAllText(Path.Combine(tree, "plates", "broken.dxf"), "this is not a drawing\n");
            File.Copy(CorpusFiles.Of("step")[0], Path.Combine(tree, "plates", "actually-step.stl"));
            File.WriteAllText(Path.Combine(tree, "notes.txt"), "unsupported");
            File.WriteAllText(Path.Combine(tree, "plates", "drawing.pdf"), "unsupported");
            await using var service = await ServiceProcess.StartAsync(dataDir);
            string[] args = ["import", tree, "--concurrency", "2", "--label-from-folder", "--progress", "plain", "--progress-interval", "1"];

            using (var first = CliProcess.Start(service.BaseAddress, work, args))
            {
                var journal = Path.Combine(work, "cadml-import.journal");
                await Poll.UntilAsync(() => first.HasExited || (File.Exists(journal) && File.ReadAllLines(journal).Length >= 20), RunLimit);
                first.HasExited.Should().BeFalse("the import must still be running when it is killed:\n" + first.Stderr);
                first.Kill();
            }

            var (code, stdout, stderr) = await CliProcess.RunAsync(service.BaseAddress, work, RunLimit, args);
            code.Should().Be(0, stdout + stderr);
            stderr.Should().Contain("import: ").And.Contain("files/s").And.NotContain(CadMlFactory.ApiKey);
            stdout.Should().NotContain(CadMlFactory.ApiKey);

            var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(work, "cadml-import-report.json"))).RootElement;
            var summary = report.GetProperty("summary");
            var files = report.GetProperty("files").EnumerateArray().ToList();
            files.Should().HaveCount(distinct.Count + copies + 2, "every supported file appears once in the report");
            summary.GetProperty("from_journal").GetInt32().Should().BeGreaterThanOrEqualTo(20, "the second run skips what the first one finished");
            summary.GetProperty("imported").GetInt32().Should().Be(distinct.Count);
            summary.GetProperty("duplicates").GetInt32().Should().Be(copies);
            summary.GetProperty("unsupported").GetProperty(".txt").GetInt32().Should().Be(1);
            summary.GetProperty("unsupported").GetProperty(".pdf").GetInt32().Should().Be(1);
            var rejected = files.Where(f => f.GetProperty("outcome").GetString() == "rejected")
                .ToDictionary(f => f.GetProperty("path").GetString()!, f => f.GetProperty("code").GetString());
            rejected.Should().BeEquivalentTo(new Dictionary<string, string?>
            {
                ["plates/broken.dxf"] = rejected.GetValueOrDefault("plates/broken.dxf") ?? "missing",
                ["plates/actually-step.stl"] = "FORMAT_MISMATCH",
            });
            rejected["plates/broken.dxf"].Should().MatchRegex("^[A-Z_]+$");
            stdout.Should().Contain("FORMAT_MISMATCH").And.Contain("plates/actually-step.stl");

            // Exactly once, counted in the store: one analysis and one vector per distinct file.
            StoreRows.Count(dataDir, "SELECT count(*) FROM analyses;").Should().Be(distinct.Count);
            StoreRows.Count(dataDir, "SELECT count(*) FROM vectors;").Should().Be(distinct.Count);
            foreach (var (sha, label) in distinct)
            {
                StoreRows.Analyses(dataDir, sha).Should().Be(1);
                StoreRows.Count(dataDir, "SELECT count(*) FROM vectors v JOIN analyses a ON a.id = v.id WHERE a.sha256 = $s AND v.label = $l;",
                    ("$s", sha), ("$l", label)).Should().Be(1, "the folder name is the vector's label");
            }

            var journalPaths = File.ReadAllLines(Path.Combine(work, "cadml-import.journal"))
                .Select(TryPath).Where(p => p is not null).ToList();
            journalPaths.Should().OnlyHaveUniqueItems("a file finished once is never sent again");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_burst_of_overloaded_answers_is_retried_with_the_same_key_until_every_file_is_in()
    {
        var work = Directory.CreateTempSubdirectory("cadml-import-503").FullName;
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var tree = Path.Combine(work, "library");
            var (distinct, _) = BuildTree(tree, dxf: 24, stl: 4, step: 0, copy: false);
            await using var service = await ServiceProcess.StartAsync(dataDir, new Dictionary<string, string> { ["ANALYSIS_MAX_IN_FLIGHT"] = "1" });

            var (code, stdout, stderr) = await CliProcess.RunAsync(service.BaseAddress, work, RunLimit,
                "import", tree, "--concurrency", "8", "--retries", "30", "--progress", "none", "--json");

            code.Should().Be(0, stdout + stderr);
            var summary = JsonDocument.Parse(stdout).RootElement;
            summary.GetProperty("imported").GetInt32().Should().Be(distinct.Count);
            summary.GetProperty("failed").GetInt32().Should().Be(0);
            summary.GetProperty("retries").GetInt64().Should().BePositive("one slot for eight clients must have refused some");
            summary.GetProperty("retry_reasons").GetProperty("OVERLOADED").GetInt32().Should().BePositive();
            StoreRows.Count(dataDir, "SELECT count(*) FROM analyses;").Should().Be(distinct.Count);
            StoreRows.Count(dataDir, "SELECT count(*) FROM vectors;").Should().Be(distinct.Count);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// Corpus files with distinct contents in two label folders (<c>brackets</c>, <c>plates</c>); with
    /// <paramref name="copy"/>, one file again in a subfolder under the same name (same key: a duplicate).
    /// </summary>
    private static (List<(string Sha256, string Label)> Distinct, int Copies) BuildTree(string root, int dxf, int stl, int step, bool copy = true)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<(string, string)>();
        var picks = Pick("dxf", dxf).Concat(Pick("stl", stl)).Concat(Pick("step", step)).ToList();
        for (var i = 0; i < picks.Count; i++)
        {
            var label = i % 2 == 0 ? "brackets" : "plates";
            Directory.CreateDirectory(Path.Combine(root, label));
            File.Copy(picks[i].Path, Path.Combine(root, label, Path.GetFileName(picks[i].Path)));
            distinct.Add((picks[i].Sha256, label));
        }

        if (copy)
        {
            var first = picks[0];
            Directory.CreateDirectory(Path.Combine(root, "brackets", "again"));
            File.Copy(first.Path, Path.Combine(root, "brackets", "again", Path.GetFileName(first.Path)));
        }

        return (distinct, copy ? 1 : 0);

        // Small files with contents no other pick has, so "once per file" is "once per content".
        IEnumerable<(string Path, string Sha256)> Pick(string format, int count) => CorpusFiles.Of(format)
            .Where(p => new FileInfo(p).Length < 200_000)
            .Select(p => (Path: p, Sha256: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p)))))
            .Where(p => seen.Add(p.Sha256))
            .Take(count)
            .ToList();
    }

    private static string? TryPath(string line)
    {
        try
        {
            return JsonDocument.Parse(Encoding.UTF8.GetBytes(line)).RootElement.GetProperty("path").GetString();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
