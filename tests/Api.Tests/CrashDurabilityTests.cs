using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using Microsoft.Data.Sqlite;

namespace CadMl.Api.Tests;

/// <summary>
/// "A 2xx means durable", checked the hard way: the real service in a child process takes a
/// stream of registrations and is killed with SIGKILL mid-stream; after a restart on the same
/// data folder every acknowledged vector is there and findable.
/// </summary>
public sealed class CrashDurabilityTests
{
    [Fact]
    public async Task Kill_9_during_a_stream_of_registrations_loses_no_acknowledged_vector()
    {
        var dataDir = CadMlFactory.NewDataDir();
        var acknowledged = new ConcurrentDictionary<string, double[]>();
        try
        {
            await using (var first = await ServiceProcess.StartAsync(dataDir))
            {
                using var client = first.CreateClient();
                using var stop = new CancellationTokenSource();
                var streams = Enumerable.Range(0, 4).Select(stream => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var id = $"crash-{stream}-{i}";
                        var vector = VectorsApiTests.Vector((stream * 100_000) + i);
                        try
                        {
                            var response = await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector });
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                acknowledged[id] = vector;
                            }
                        }
                        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                        {
                            return;
                        }
                    }
                })).ToList();

                await Poll.UntilAsync(() => acknowledged.Count >= 150, TimeSpan.FromSeconds(60));

                await first.KillAsync(); // SIGKILL: no shutdown hooks, no index save, no flush.
                await stop.CancelAsync();
                await Task.WhenAll(streams);
            }

            acknowledged.Count.Should().BeGreaterThanOrEqualTo(150);
            await using var second = await ServiceProcess.StartAsync(dataDir);
            using var again = second.CreateClient();
            foreach (var (id, vector) in acknowledged)
            {
                var stored = await again.GetFromJsonAsync<JsonElement>($"/api/v1/vectors/{id}");
                stored.GetProperty("vector").EnumerateArray().Select(v => v.GetDouble()).Should().Equal(vector);
            }

            foreach (var id in acknowledged.Keys.OrderBy(k => k, StringComparer.Ordinal).Take(20))
            {
                var search = await again.PostAsJsonAsync("/api/v1/vectors/search", new { id, k = 1, exclude_self = false });
                var body = await search.Content.ReadFromJsonAsync<JsonElement>();
                body.GetProperty("results")[0].GetProperty("id").GetString().Should().Be(id);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// 20 trials on one data folder: 32 concurrent analyze streams (real DXF files), SIGKILL once
    /// some have been answered 200. Before each restart the database file is read directly: no
    /// analysis without its vector and no analysis vector without its analysis (they share one
    /// transaction; before group commit a kill between the two writes left an orphan). After the
    /// restart every analysis answered 200 so far is there, with its vector.
    /// </summary>
    [Fact]
    public async Task Kill_9_during_concurrent_analyses_loses_no_acknowledged_analysis_and_leaves_no_orphan()
    {
        var dataDir = CadMlFactory.NewDataDir();
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var files = CorpusFiles.Of("dxf").Where(f => new FileInfo(f).Length < 64 * 1024).Take(64).Select(File.ReadAllBytes).ToList();
        try
        {
            for (var trial = 0; trial < 20; trial++)
            {
                await using (var service = await ServiceProcess.StartAsync(dataDir))
                {
                    using var client = service.CreateClient();
                    foreach (var id in acknowledged.Keys)
                    {
                        (await client.GetAsync($"/api/v1/analyze/{id}")).StatusCode.Should().Be(HttpStatusCode.OK, $"analysis {id} was answered 200 before a kill");
                        (await client.GetAsync($"/api/v1/vectors/{id}")).StatusCode.Should().Be(HttpStatusCode.OK, $"the vector of analysis {id} was answered 200 before a kill");
                    }

                    var before = acknowledged.Count;
                    using var stop = new CancellationTokenSource();
                    var streams = Enumerable.Range(0, 32).Select(stream => Task.Run(async () =>
                    {
                        for (var i = 0; !stop.IsCancellationRequested; i++)
                        {
                            try
                            {
                                var response = await client.AnalyzeAsync($"part-{stream}-{i}.dxf", files[(stream + i) % files.Count]);
                                if (response.StatusCode == HttpStatusCode.OK)
                                {
                                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                                    acknowledged[body.GetProperty("id").GetString()!] = 0;
                                }
                            }
                            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException or JsonException)
                            {
                                return;
                            }
                        }
                    })).ToList();

                    // Kill at a different point of the stream each trial.
                    await Poll.UntilAsync(() => acknowledged.Count >= before + 10 + (trial * 7 % 40), TimeSpan.FromSeconds(60));

                    await service.KillAsync();
                    await stop.CancelAsync();
                    await Task.WhenAll(streams);
                    acknowledged.Count.Should().BeGreaterThan(before, "analyses must have been answered in trial {0}", trial);
                }

                Orphans(dataDir).Should().Be((0, 0), "trial {0} left an analysis without its vector or the reverse", trial);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Analyses without a vector, and vectors (all from analyses here) without an analysis, read from the file itself.</summary>
    private static (long AnalysesWithoutVector, long VectorsWithoutAnalysis) Orphans(string dataDir)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "cadml.db"),
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT count(*) FROM analyses a LEFT JOIN vectors v ON v.id = a.id WHERE v.id IS NULL),
                   (SELECT count(*) FROM vectors v LEFT JOIN analyses a ON a.id = v.id WHERE a.id IS NULL);
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
