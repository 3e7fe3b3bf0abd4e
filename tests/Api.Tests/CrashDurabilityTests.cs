using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

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

                var deadline = Stopwatch.StartNew();
                while (acknowledged.Count < 150 && deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    await Task.Delay(10);
                }

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
}
