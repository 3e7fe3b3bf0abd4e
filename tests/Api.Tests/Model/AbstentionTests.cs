using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Model;

/// <summary>
/// The classifier's "unknown" answer through POST /api/v1/analyze with models built in code (each
/// reason on its own), and a reload that refuses a model whose abstention data is missing or broken.
/// </summary>
public sealed class AbstentionTests
{
    private static async Task<HttpClient> ServingAsync(CadMlFactory host, Onnx.ModelProto model)
    {
        File.WriteAllBytes(Path.Combine(host.ModelDir, "candidate.onnx"), model.Bytes());
        var client = host.CreateAuthenticatedClient(admin: true);
        var reload = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "candidate.onnx" });
        reload.StatusCode.Should().Be(HttpStatusCode.OK, await reload.Content.ReadAsStringAsync());
        return client;
    }

    private static CadMlFactory Host() => new(new Dictionary<string, string?> { ["ALLOWED_MODEL_HASHES"] = "" }) { EnvironmentName = "Development" };

    /// <summary>One line 4 units long: small feature values, so the test model's weights hardly move its logits away from the bias.</summary>
    private static readonly byte[] OneLine = Encoding.ASCII.GetBytes("0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n0\n20\n0\n30\n0\n11\n4\n21\n0\n31\n0\n0\nENDSEC\n0\nEOF\n");

    private static async Task<(JsonElement Fresh, JsonElement Stored)> AnalyzeRealStepAsync(HttpClient client)
    {
        var file = CorpusFiles.Of("step")[0];
        return await AnalyzeAsync(client, Path.GetFileName(file), await File.ReadAllBytesAsync(file));
    }

    private static async Task<(JsonElement Fresh, JsonElement Stored)> AnalyzeAsync(HttpClient client, string name, byte[] content)
    {
        var response = await client.AnalyzeAsync(name, content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/analyze/{body.GetProperty("id").GetString()}");
        return (body, stored);
    }

    [Fact]
    public async Task A_part_farther_from_the_training_data_than_the_model_accepts_is_unknown_out_of_distribution_and_the_record_keeps_it()
    {
        using var host = Host();
        // ood_distance = RMS of the raw features: a real STEP part (extents, face counts) lies far above 1.
        var client = await ServingAsync(host, TestModels.Classifier("tight-1", favoured: 1, maxDistance: "1"));

        var (fresh, stored) = await AnalyzeRealStepAsync(client);

        var classification = fresh.GetProperty("classification");
        classification.GetProperty("label").GetString().Should().Be("unknown");
        classification.GetProperty("abstained").GetBoolean().Should().BeTrue();
        classification.GetProperty("reason").GetString().Should().Be("out_of_distribution");
        classification.GetProperty("top_label").GetString().Should().Be("shaft");
        classification.GetProperty("confidence").GetDouble().Should().BeGreaterThan(0.9);
        classification.GetProperty("ood_distance").GetDouble().Should().BeGreaterThan(1);
        stored.GetProperty("classification").ToString().Should().Be(classification.ToString());
        var model = await client.GetFromJsonAsync<JsonElement>("/api/v1/model");
        model.GetProperty("abstention").GetProperty("max_distance").GetDouble().Should().Be(1);
    }

    [Fact]
    public async Task A_familiar_part_below_the_confidence_threshold_is_unknown_low_confidence()
    {
        using var host = Host();
        // The bias gives the favoured class about 0.987; the threshold asks for more. The spread makes every part familiar.
        var client = await ServingAsync(host, TestModels.Classifier("unsure-1", favoured: 2, minConfidence: "0.999", spread: 1e12f));

        var classification = (await AnalyzeAsync(client, "line.dxf", OneLine)).Fresh.GetProperty("classification");

        classification.GetProperty("label").GetString().Should().Be("unknown");
        classification.GetProperty("abstained").GetBoolean().Should().BeTrue();
        classification.GetProperty("reason").GetString().Should().Be("low_confidence");
        classification.GetProperty("top_label").GetString().Should().Be("gear");
        classification.GetProperty("confidence").GetDouble().Should().BeLessThan(0.999);
    }

    [Fact]
    public async Task Within_both_thresholds_the_top_class_is_the_label_and_abstained_is_false()
    {
        using var host = Host();
        var client = await ServingAsync(host, TestModels.Classifier("sure-1", favoured: 2, maxDistance: "1e12", minConfidence: "0.5", spread: 1e6f));

        var classification = (await AnalyzeAsync(client, "line.dxf", OneLine)).Fresh.GetProperty("classification");

        classification.GetProperty("label").GetString().Should().Be("gear");
        classification.GetProperty("top_label").GetString().Should().Be("gear");
        classification.GetProperty("abstained").GetBoolean().Should().BeFalse();
        classification.GetProperty("reason").ValueKind.Should().Be(JsonValueKind.Null);
    }

    public static TheoryData<string, Onnx.ModelProto, string, string> BrokenAbstentionData => new()
    {
        { "no distance threshold", TestModels.Classifier("broken-1", maxDistance: null), "MODEL_INTERFACE_INVALID", "abstention_max_distance" },
        { "a threshold that is not a number", TestModels.Classifier("broken-2", maxDistance: "far"), "MODEL_INTERFACE_INVALID", "abstention_max_distance" },
        { "no confidence threshold", TestModels.Classifier("broken-3", minConfidence: null), "MODEL_INTERFACE_INVALID", "abstention_min_confidence" },
        { "a confidence threshold of 1 (never answers)", TestModels.Classifier("broken-4", minConfidence: "1"), "MODEL_INTERFACE_INVALID", "abstention_min_confidence" },
        { "no distance output", TestModels.Classifier("broken-5", distanceOutput: false), "MODEL_INTERFACE_INVALID", "ood_distance" },
        { "a distance that is not a number (0 / 0)", TestModels.Classifier("broken-6", spread: 0), "MODEL_SMOKE_FAILED", "ood_distance" },
    };

    [Theory]
    [MemberData(nameof(BrokenAbstentionData))]
    public async Task A_reload_refuses_a_model_whose_abstention_data_is_missing_or_broken_and_the_serving_model_stays(
        string why, Onnx.ModelProto model, string code, string mentioned)
    {
        using var host = Host();
        File.WriteAllBytes(Path.Combine(host.ModelDir, "broken.onnx"), model.Bytes());
        var client = host.CreateAuthenticatedClient(admin: true);

        var response = await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "broken.onnx" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, code, code == "MODEL_SMOKE_FAILED" ? "smoke" : "interface");
        problem.GetProperty("message").GetString().Should().Contain(mentioned, why);
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/model")).GetProperty("model_version").GetString().Should().Be(CadMlFactory.StartupModelVersion);
    }
}
