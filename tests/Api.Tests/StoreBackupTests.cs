using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests;

/// <summary>
/// The backup and restore procedure end to end, with the scripts an operator runs: build/backup
/// against the real process while writers keep writing, then build/restore-store on the stopped
/// data folder and a start on the restored store. Every write acknowledged before the backup
/// started must be there, exactly as written.
/// </summary>
public sealed class StoreBackupTests
{
    [Fact]
    public async Task A_backup_taken_under_write_load_restores_every_write_acknowledged_before_it()
    {
        var dataDir = CadMlFactory.NewDataDir();
        var acknowledged = new ConcurrentDictionary<string, double[]>();
        try
        {
            Dictionary<string, double[]> beforeBackup;
            JsonElement report;
            long afterBackup;
            await using (var service = await ServiceProcess.StartAsync(dataDir))
            {
                using var client = service.CreateClient();
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var id = $"load-{writer}-{i}";
                        var vector = VectorsApiTests.Vector((writer * 1_000_000) + i);
                        var response = await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector }, CancellationToken.None);
                        response.StatusCode.Should().Be(HttpStatusCode.Created);
                        acknowledged[id] = vector;
                    }
                })).ToList();

                await Poll.UntilAsync(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(120));
                beforeBackup = new Dictionary<string, double[]>(acknowledged);
                var (exitCode, output) = await RunAsync("build/backup", service.BaseAddress.ToString(), CadMlFactory.ApiKey, CadMlFactory.AdminToken, "under-load");
                exitCode.Should().Be(0, output);
                report = JsonDocument.Parse(output).RootElement;
                var atBackup = acknowledged.Count;
                await Poll.UntilAsync(() => acknowledged.Count >= atBackup + 100, TimeSpan.FromSeconds(120)); // writes go on during and after
                await stop.CancelAsync();
                await Task.WhenAll(writers);
                afterBackup = acknowledged.Count - beforeBackup.Count;
                await service.StopAsync();
            }

            afterBackup.Should().BeGreaterThan(0);
            var backup = Path.Combine(dataDir, report.GetProperty("path").GetString()!);
            report.GetProperty("generation").GetInt64().Should().BeGreaterThanOrEqualTo(beforeBackup.Count);

            var (restoreExit, restoreOutput) = await RunAsync("build/restore-store", dataDir, backup);
            restoreExit.Should().Be(0, restoreOutput);

            await using var restored = await ServiceProcess.StartAsync(dataDir);
            using var again = restored.CreateClient();
            var missing = 0;
            foreach (var (id, vector) in beforeBackup)
            {
                var response = await again.GetAsync($"/api/v1/vectors/{id}");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    missing++;
                    continue;
                }

                var stored = await response.Content.ReadFromJsonAsync<JsonElement>();
                stored.GetProperty("vector").EnumerateArray().Select(v => v.GetDouble()).Should().Equal(vector);
            }

            missing.Should().Be(0, "every write acknowledged before the backup started is in it");
            var stats = await again.GetFromJsonAsync<JsonElement>("/api/v1/vectors/stats");
            stats.GetProperty("total").GetInt64().Should().Be(report.GetProperty("generation").GetInt64(),
                "only inserts ran, so the backup's generation counts its vectors");
            Directory.GetDirectories(Path.Combine(dataDir, "aside")).Should().ContainSingle(d => d.EndsWith("-restore", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(RepositoryPaths.Combine(script))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
