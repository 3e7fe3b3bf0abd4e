using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace CadMl.Api.Tests;

/// <summary>
/// "A 2xx means durable", checked the hard way: the real service in a child process takes a
/// stream of registrations and is killed with SIGKILL mid-stream; after a restart on the same
/// data folder every acknowledged vector is there and findable.
/// </summary>
public sealed class CrashDurabilityTests
{
    private const string ApiKey = "crash-test-key-0123456789";

    [Fact]
    public async Task Kill_9_during_a_stream_of_registrations_loses_no_acknowledged_vector()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-crash-tests", Guid.NewGuid().ToString("N"));
        var acknowledged = new ConcurrentDictionary<string, double[]>();
        var port = FreePort();
        using (var first = StartService(dataDir, port))
        {
            using var client = Client(port);
            await WaitReadyAsync(client, first);
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

            first.Kill(); // SIGKILL on Linux: no shutdown hooks, no index save, no flush.
            await first.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(streams);
        }

        acknowledged.Count.Should().BeGreaterThanOrEqualTo(150);
        using var second = StartService(dataDir, port);
        try
        {
            using var client = Client(port);
            await WaitReadyAsync(client, second);
            foreach (var (id, vector) in acknowledged)
            {
                var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/vectors/{id}");
                stored.GetProperty("vector").EnumerateArray().Select(v => v.GetDouble()).Should().Equal(vector);
            }

            var sample = acknowledged.Keys.OrderBy(k => k, StringComparer.Ordinal).Take(20);
            foreach (var id in sample)
            {
                var search = await client.PostAsJsonAsync("/api/v1/vectors/search", new { id, k = 1, exclude_self = false });
                var body = await search.Content.ReadFromJsonAsync<JsonElement>();
                body.GetProperty("results")[0].GetProperty("id").GetString().Should().Be(id);
            }
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static Process StartService(string dataDir, int port)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["API_KEYS"] = ApiKey;
        start.Environment["ADMIN_TOKEN"] = "crash-test-admin-0123456789";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DATA_DIR"] = dataDir;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static HttpClient Client(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        return client;
    }

    private static async Task WaitReadyAsync(HttpClient client, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            process.HasExited.Should().BeFalse("the service must start");
            try
            {
                if ((await client.GetAsync("/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The service did not become ready within 90 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
