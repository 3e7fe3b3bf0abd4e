using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CadMl.Api.Tests.Model;

/// <summary>
/// Four clients analyse continuously over HTTP while an operator swaps the model 20 times, good and
/// bad alternately. No request may fail, and each classification must come whole from one model:
/// its labels are prefixed per model, so a response mixing two models would show.
/// </summary>
public sealed class ReloadUnderLoadTests(ITestOutputHelper output)
{
    private const int Clients = 4;
    private const int Swaps = 20;

    [Fact]
    public async Task Classification_never_fails_and_each_answer_comes_from_one_model_while_the_model_is_swapped_20_times()
    {
        using var host = new CadMlFactory(new Dictionary<string, string?> { ["ALLOWED_MODEL_HASHES"] = "" })
        {
            EnvironmentName = "Development",
            ConfigureTestServices = services => services.AddSingleton<ICadReader, LoadReader>(),
        };
        File.WriteAllBytes(Path.Combine(host.ModelDir, "a.onnx"), TestModels.Classifier("load-a", classes: ["a-plate", "a-shaft", "a-gear"], favoured: 0).Bytes());
        File.WriteAllBytes(Path.Combine(host.ModelDir, "b.onnx"), TestModels.Classifier("load-b", classes: ["b-plate", "b-shaft", "b-gear"], favoured: 1).Bytes());
        File.WriteAllBytes(Path.Combine(host.ModelDir, "bad.onnx"), TestModels.Classifier("load-bad", nanWeights: true).Bytes());
        var expectedLabels = new Dictionary<string, string[]>
        {
            [CadMlFactory.StartupModelVersion] = TestModels.DefaultClasses,
            ["load-a"] = ["a-plate", "a-shaft", "a-gear"],
            ["load-b"] = ["b-plate", "b-shaft", "b-gear"],
        };
        var admin = host.CreateAuthenticatedClient(admin: true);

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var failures = new ConcurrentQueue<string>();
        var versions = new ConcurrentDictionary<string, int>();
        var requests = 0;
        var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            var client = host.CreateAuthenticatedClient();
            while (!stop.IsCancellationRequested)
            {
                var (status, body) = await AnalyzeAsync(client);
                Interlocked.Increment(ref requests);
                if (status != HttpStatusCode.OK || body.GetProperty("classification") is not { ValueKind: JsonValueKind.Object } classification)
                {
                    failures.Enqueue($"{(int)status}: {body}");
                    continue;
                }

                var version = classification.GetProperty("model_version").GetString()!;
                var label = classification.GetProperty("label").GetString()!;
                var classes = classification.GetProperty("probabilities").EnumerateObject().Select(p => p.Name).ToArray();
                if (!expectedLabels.TryGetValue(version, out var expected) || !expected.Contains(label) || !classes.SequenceEqual(expected))
                {
                    failures.Enqueue($"mixed answer: version {version}, label {label}, classes {string.Join(",", classes)}");
                }

                versions.AddOrUpdate(version, 1, (_, n) => n + 1);
            }
        })).ToList();

        await Poll.UntilAsync(() => Volatile.Read(ref requests) >= 20, TimeSpan.FromSeconds(60));
        var reloadTimes = new List<double>();
        var outcomes = new List<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        for (var swap = 0; swap < Swaps; swap++)
        {
            var path = swap % 2 == 1 ? "bad.onnx" : swap % 4 == 0 ? "a.onnx" : "b.onnx";
            var started = Stopwatch.GetTimestamp();
            var response = await admin.PostAsJsonAsync("/api/v1/model/reload", new { path });
            reloadTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            outcomes.Add(response.StatusCode);
            var before = Volatile.Read(ref requests);
            await Poll.UntilAsync(() => Volatile.Read(ref requests) >= before + Clients, TimeSpan.FromSeconds(60));
        }

        var swapSeconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        output.WriteLine($"{requests} analyses by {Clients} clients during {Swaps} swaps in {swapSeconds:F2} s; failed: {failures.Count}");
        output.WriteLine($"answers per model version: {string.Join(", ", versions.OrderBy(v => v.Key).Select(v => $"{v.Key}={v.Value}"))}");
        output.WriteLine($"reload ms: median {Median(reloadTimes):F1}, max {reloadTimes.Max():F1}; good {outcomes.Count(o => o == HttpStatusCode.OK)}, refused {outcomes.Count(o => o == HttpStatusCode.UnprocessableEntity)}");

        failures.Should().BeEmpty();
        outcomes.Where((_, i) => i % 2 == 0).Should().OnlyContain(s => s == HttpStatusCode.OK);
        outcomes.Where((_, i) => i % 2 == 1).Should().OnlyContain(s => s == HttpStatusCode.UnprocessableEntity);
        versions.Keys.Should().Contain(["load-a", "load-b"]).And.NotContain("load-bad");
        (await admin.GetFromJsonAsync<JsonElement>("/api/v1/model")).GetProperty("model_version").GetString().Should().Be("load-b");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> AnalyzeAsync(HttpClient client)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("load"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "part.tst");
        try
        {
            using var response = await client.PostAsync("/api/v1/analyze", form);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }
        catch (HttpRequestException exception)
        {
            return (HttpStatusCode.ServiceUnavailable, JsonSerializer.SerializeToElement(exception.Message));
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed class LoadReader : ICadReader
    {
        public CadFormat Format => CadFormat.Stl;

        public IReadOnlyList<string> Extensions => ["tst"];

        public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => new(
            CadFormat.Stl, new CountTable([new NamedCount("FACET", 4)]), new CountTable(), new BoundingBox(0, 0, 0, 2, 1, 1), new CadMetadata(Facets: 4));
    }
}
