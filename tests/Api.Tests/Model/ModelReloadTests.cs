using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Model.Ports;
using CadMl.Domain.Cad;
using CadMl.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Api.Tests.Model;

/// <summary>Successful reloads, the version stage, concurrency, and the classification analyze returns.</summary>
public sealed class ModelReloadTests
{
    private static CadMlFactory Host(Action<IServiceCollection>? services = null, string environment = "Development", IDictionary<string, string?>? settings = null) =>
        new(settings ?? new Dictionary<string, string?> { ["ALLOWED_MODEL_HASHES"] = "" })
        {
            EnvironmentName = environment,
            ConfigureTestServices = s =>
            {
                s.AddSingleton<ICadReader, TestCadReader>();
                services?.Invoke(s);
            },
        };

    private static void Write(CadMlFactory host, string name, Onnx.ModelProto model) =>
        File.WriteAllBytes(Path.Combine(host.ModelDir, name), model.Bytes());

    [Fact]
    public async Task A_good_model_replaces_the_serving_one_and_the_answer_names_both()
    {
        using var host = Host();
        Write(host, "v2.onnx", TestModels.Classifier("two", classes: ["plate", "flange", "gear", "shaft"], favoured: 3));
        var client = host.CreateAuthenticatedClient(admin: true);

        var response = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "v2.onnx", expected_version = "two" });

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("model").GetProperty("model_version").GetString().Should().Be("two");
        body.GetProperty("model").GetProperty("sha256").GetString().Should().HaveLength(64);
        body.GetProperty("model").GetProperty("classes").EnumerateArray().Select(c => c.GetString()).Should().Equal("plate", "flange", "gear", "shaft");
        body.GetProperty("model").GetProperty("path").GetString().Should().Be("v2.onnx");
        body.GetProperty("previous").GetProperty("model_version").GetString().Should().Be(CadMlFactory.StartupModelVersion);
        body.GetProperty("stage_durations_ms").EnumerateObject().Select(p => p.Name).Should().Equal(
            "resolve", "size", "hash_check", "parse", "opcode_scan", "interface", "version", "smoke", "commit");

        var model = await client.GetFromJsonAsync<JsonElement>("/api/v1/model");
        model.GetProperty("model_version").GetString().Should().Be("two");
        model.GetProperty("execution_provider").GetString().Should().Be("cpu");
        var health = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/model");
        health.GetProperty("status").GetString().Should().Be("ok");
        health.GetProperty("last_reload").GetProperty("status").GetString().Should().Be("success");
    }

    [Fact]
    public async Task An_unexpected_version_is_a_409_unless_forced()
    {
        using var host = Host();
        Write(host, "other.onnx", TestModels.Classifier("other-9"));
        var client = host.CreateAuthenticatedClient(admin: true);

        var refused = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "other.onnx", expected_version = "other-10" });
        var context = (await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "MODEL_VERSION_MISMATCH", "version")).GetProperty("context");
        context.GetProperty("model_version").GetString().Should().Be("other-9");
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/model")).GetProperty("model_version").GetString().Should().Be(CadMlFactory.StartupModelVersion);

        var forced = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "other.onnx", expected_version = "other-10", force = true });
        forced.StatusCode.Should().Be(HttpStatusCode.OK);
        (await forced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("forced").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Different_content_under_the_serving_version_name_is_a_409()
    {
        using var host = Host();
        Write(host, "same-name.onnx", TestModels.Classifier(CadMlFactory.StartupModelVersion, favoured: 2));

        var response = await host.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/model/reload", new { path = "same-name.onnx" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "MODEL_VERSION_MISMATCH", "version");
    }

    [Fact]
    public async Task A_second_reload_while_one_runs_is_refused_with_409_reload_in_progress()
    {
        var gate = new BlockingFileStore();
        using var host = Host(services => services.Decorate<IModelFileStore>(inner => gate.Wrap(inner)));
        var client = host.CreateAuthenticatedClient(admin: true);
        _ = host.Services; // start the host (the start-up load runs before the gate is closed)
        gate.Close();

        var first = client.PostAsJsonAsync("/api/v1/model/reload", new { path = CadMlFactory.StartupModelFile });
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var second = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = CadMlFactory.StartupModelFile });
        gate.Open();

        await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "RELOAD_IN_PROGRESS", "exclusive");
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_execution_provider_comes_from_configuration_and_an_unavailable_one_is_refused_at_smoke()
    {
        using var host = Host(settings: new Dictionary<string, string?> { ["ALLOWED_MODEL_HASHES"] = "", ["MODEL_EXECUTION_PROVIDER"] = "cuda" });
        var client = host.CreateAuthenticatedClient(admin: true);

        var health = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/model");
        health.GetProperty("status").GetString().Should().Be("absent");
        health.GetProperty("last_reload").GetProperty("stage").GetString().Should().Be("smoke");

        var response = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = CadMlFactory.StartupModelFile });
        var context = (await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_SMOKE_FAILED", "smoke")).GetProperty("context");
        context.GetProperty("execution_provider").GetString().Should().Be("cuda");
    }

    [Fact]
    public async Task Outside_development_an_empty_hash_list_trusts_no_model()
    {
        using var host = Host(environment: "Production");

        var health = await host.CreateAuthenticatedClient().GetFromJsonAsync<JsonElement>("/api/v1/health/model");

        health.GetProperty("status").GetString().Should().Be("absent");
        health.GetProperty("last_reload").GetProperty("code").GetString().Should().Be("MODEL_HASH_NOT_ALLOWED");
    }

    [Fact]
    public async Task A_broken_start_up_model_leaves_the_service_up_degraded_and_not_ready_and_analyze_says_why_there_is_no_class()
    {
        using var host = Host();
        File.WriteAllBytes(Path.Combine(host.ModelDir, CadMlFactory.StartupModelFile), [1, 2, 3, 4]);
        var client = host.CreateAuthenticatedClient();

        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        health.GetProperty("status").GetString().Should().Be("degraded");
        health.GetProperty("components").GetProperty("model").GetProperty("detail").GetString().Should().Contain("parse");
        var ready = await client.GetAsync("/ready");
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        var analysis = await AnalyzeAsync(client);
        analysis.GetProperty("classification").ValueKind.Should().Be(JsonValueKind.Null);
        analysis.GetProperty("classification_issue").GetProperty("code").GetString().Should().Be("MODEL_NOT_LOADED");
        analysis.GetProperty("classification_issue").GetProperty("message").GetString().Should().Contain("MODEL_FORMAT_INVALID");
    }

    [Fact]
    public async Task Analyze_classifies_with_features_of_the_models_own_version()
    {
        using var host = Host();
        Write(host, "v3.onnx", TestModels.Classifier("v3-model", featureVersion: "v3", favoured: 2));
        var client = host.CreateAuthenticatedClient(admin: true);
        (await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "v3.onnx" })).StatusCode.Should().Be(HttpStatusCode.OK);

        var analysis = await AnalyzeAsync(client);

        analysis.GetProperty("feature_version").GetString().Should().Be("v5");
        var classification = analysis.GetProperty("classification");
        classification.GetProperty("label").GetString().Should().Be("gear");
        classification.GetProperty("model_version").GetString().Should().Be("v3-model");
        classification.GetProperty("feature_version").GetString().Should().Be("v3");
        classification.GetProperty("confidence").GetDouble().Should().BeInRange(0.5, 1);
        classification.GetProperty("probabilities").EnumerateObject().Select(p => p.Name).Should().Equal(TestModels.DefaultClasses);
        analysis.GetProperty("classification_issue").ValueKind.Should().Be(JsonValueKind.Null);

        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("classification_prediction_distribution{label=\"gear\"} 1").And.Contain("classification_model_inference_seconds_count 1");
    }

    private static async Task<JsonElement> AnalyzeAsync(HttpClient client)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("twelve facets"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "part.tst");
        var response = await client.PostAsync("/api/v1/analyze", form);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A reader for a test-only extension, so analyze runs end to end without any real format reader.</summary>
    private sealed class TestCadReader : ICadReader
    {
        public CadFormat Format => CadFormat.Stl;

        public IReadOnlyList<string> Extensions => ["tst"];

        public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => new(
            CadFormat.Stl,
            new CountTable([new NamedCount("FACET", 12)]),
            new CountTable(),
            new BoundingBox(-1, -1, -1, 1, 1, 1),
            new CadMetadata(Facets: 12));
    }

    /// <summary>Holds the first reload inside the resolve stage until the test lets it go.</summary>
    private sealed class BlockingFileStore
    {
        private volatile TaskCompletionSource? _release;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _release?.TrySetResult();

        public IModelFileStore Wrap(IModelFileStore inner) => new Store(inner, this);

        private sealed class Store(IModelFileStore inner, BlockingFileStore owner) : IModelFileStore
        {
            public ModelFileOpening Open(string relativePath)
            {
                if (owner._release is { } release)
                {
                    owner.Entered.TrySetResult();
                    release.Task.Wait(TimeSpan.FromSeconds(10));
                }

                return inner.Open(relativePath);
            }
        }
    }
}
