using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Model;

/// <summary>
/// The corpus of hostile and broken models, generated here, each refused at the stage that must
/// catch it. The host runs outside Development with every corpus file's hash listed, so each model
/// gets past hash_check on its merits and only the intended check stops it.
/// </summary>
public sealed class HostileModelCorpusTests : IClassFixture<HostileModelCorpusTests.Factory>
{
    private readonly Factory _factory;

    public HostileModelCorpusTests(Factory factory) => _factory = factory;

    public sealed class Factory : CadMlFactory
    {
        public Factory()
            : base(Corpus.Settings)
        {
            Corpus.WriteInto(ModelDir, DataDir);
        }
    }

    /// <summary>Files of the corpus; their hashes (except the unlisted one) go into ALLOWED_MODEL_HASHES.</summary>
    private static class Corpus
    {
        private static readonly Dictionary<string, byte[]> Listed = Build();

        public static readonly byte[] Unlisted = TestModels.Classifier("unlisted-1").Bytes();

        public static Dictionary<string, string?> Settings => new()
        {
            ["MODEL_MAX_MB"] = "1",
            ["MODEL_OPCODE_MODE"] = "allowlist",
            ["ALLOWED_MODEL_HASHES"] = string.Join(",", Listed.Values.Select(Sha256).Append(Sha256(TestModels.Classifier(CadMlFactory.StartupModelVersion).Bytes()))),
        };

        public static void WriteInto(string models, string data)
        {
            foreach (var (name, bytes) in Listed)
            {
                File.WriteAllBytes(Path.Combine(models, name), bytes);
            }

            File.WriteAllBytes(Path.Combine(models, "unlisted.onnx"), Unlisted);
            var oversize = new byte[(1024 * 1024) + 1];
            new Random(1).NextBytes(oversize);
            File.WriteAllBytes(Path.Combine(models, "oversize.onnx"), oversize);

            // A perfectly good model outside the folder, reachable only through links.
            File.WriteAllBytes(Path.Combine(data, "outside.onnx"), Listed["good.onnx"]);
            File.CreateSymbolicLink(Path.Combine(models, "escape.onnx"), Path.Combine(data, "outside.onnx"));
            File.CreateSymbolicLink(Path.Combine(models, "weights.bin"), "/etc/passwd");
        }

        private static Dictionary<string, byte[]> Build()
        {
            var good = TestModels.Classifier("corpus-good-1").Bytes();
            var random = new byte[8192];
            new Random(42).NextBytes(random);
            return new Dictionary<string, byte[]>
            {
                ["good.onnx"] = good,
                ["truncated.onnx"] = good[..(good.Length / 2)],
                ["random.onnx"] = random,
                ["custom-domain.onnx"] = TestModels.Classifier().WithCustomDomainOp().Bytes(),
                ["hidden-in-if.onnx"] = TestModels.Classifier().WithOpInIfBranch().Bytes(),
                ["hidden-in-loop.onnx"] = TestModels.Classifier().WithOpInLoopBody().Bytes(),
                ["hidden-in-function.onnx"] = TestModels.Classifier().WithOpInLocalFunction().Bytes(),
                ["external-traversal.onnx"] = TestModels.Classifier().WithExternalWeights("../../../etc/passwd").Bytes(),
                ["external-absolute.onnx"] = TestModels.Classifier().WithExternalWeights("/etc/passwd").Bytes(),
                ["external-symlink.onnx"] = TestModels.Classifier().WithExternalWeights("weights.bin").Bytes(),
                ["wrong-shape.onnx"] = TestModels.Classifier(inputWidth: 10).Bytes(),
                ["nan-output.onnx"] = TestModels.Classifier("nan-1", nanWeights: true).Bytes(),
            };
        }
    }

    public static TheoryData<string, HttpStatusCode, string, string> HostileModels => new()
    {
        { "../outside.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_PATH_INVALID", "resolve" },
        { "sub/../../outside.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_PATH_INVALID", "resolve" },
        { "/etc/passwd", HttpStatusCode.UnprocessableEntity, "MODEL_PATH_INVALID", "resolve" },
        { "escape.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_PATH_INVALID", "resolve" },
        { "missing.onnx", HttpStatusCode.NotFound, "MODEL_NOT_FOUND", "resolve" },
        { "oversize.onnx", HttpStatusCode.RequestEntityTooLarge, "MODEL_SIZE_EXCEEDED", "size" },
        { "unlisted.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_HASH_NOT_ALLOWED", "hash_check" },
        { "truncated.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_FORMAT_INVALID", "parse" },
        { "random.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_FORMAT_INVALID", "parse" },
        { "custom-domain.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "hidden-in-if.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "hidden-in-loop.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "hidden-in-function.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "external-traversal.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "external-absolute.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "external-symlink.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan" },
        { "wrong-shape.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_INTERFACE_INVALID", "interface" },
        { "nan-output.onnx", HttpStatusCode.UnprocessableEntity, "MODEL_SMOKE_FAILED", "smoke" },
    };

    [Theory]
    [MemberData(nameof(HostileModels))]
    public async Task Each_hostile_model_is_refused_at_its_stage_and_the_serving_model_stays(string path, HttpStatusCode status, string code, string stage)
    {
        var client = _factory.CreateAuthenticatedClient(admin: true);
        var before = await ServingAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/model/reload", new { path });

        var text = await response.Content.ReadAsStringAsync();
        var body = await response.ShouldBeProblemAsync(status, code, stage);
        text.Should().NotContain(_factory.DataDir, "server paths are never echoed").And.NotContain("root:");
        body.GetProperty("context").GetProperty("stage_durations_ms").TryGetProperty(stage, out _).Should().BeTrue();
        (await ServingAsync(client)).Should().Be(before);
    }

    [Theory]
    [InlineData("hidden-in-if.onnx", "then_branch")]
    [InlineData("hidden-in-loop.onnx", ".body/")]
    [InlineData("hidden-in-function.onnx", "function cadml.local:Innocent")]
    public async Task The_refusal_names_the_hidden_operator_and_where_it_hid(string path, string location)
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/model/reload", new { path });

        var context = (await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan")).GetProperty("context");
        context.GetProperty("opcode").GetString().Should().Be("ai.onnx:RandomUniform");
        context.GetProperty("reason").GetString().Should().Be("not_allowlisted");
        context.GetProperty("location").GetString().Should().Contain(location);
    }

    [Fact]
    public async Task External_data_is_refused_as_such_whatever_it_points_at()
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/model/reload", new { path = "external-symlink.onnx" });

        var context = (await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan")).GetProperty("context");
        context.GetProperty("reason").GetString().Should().Be("external_data");
    }

    [Fact]
    public async Task The_hash_refusal_reports_the_full_digest_of_the_file()
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/model/reload", new { path = "unlisted.onnx" });

        var context = (await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_HASH_NOT_ALLOWED", "hash_check")).GetProperty("context");
        context.GetProperty("sha256").GetString().Should().Be(Sha256(Corpus.Unlisted));
    }

    [Fact]
    public async Task Reload_needs_the_admin_token()
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/model/reload", new { path = "good.onnx" });

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
    }

    [Fact]
    public async Task A_missing_path_is_a_validation_error()
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/model/reload", new { expected_version = "x" });

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
    }

    [Fact]
    public async Task The_opcode_audit_and_metrics_count_what_the_scans_saw_and_refused()
    {
        var client = _factory.CreateAuthenticatedClient(admin: true);
        await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "hidden-in-if.onnx" });
        await client.PostAsJsonAsync("/api/v1/model/reload", new { path = "custom-domain.onnx" });

        var audit = await client.GetFromJsonAsync<JsonElement>("/api/v1/model/opcode-audit");
        audit.GetProperty("mode").GetString().Should().Be("allowlist");
        audit.GetProperty("opcodes").GetProperty("ai.onnx:MatMul").GetInt64().Should().BeGreaterThanOrEqualTo(3);
        audit.GetProperty("refused").GetProperty("not_allowlisted").GetProperty("ai.onnx:RandomUniform").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        audit.GetProperty("refused").GetProperty("custom_domain").GetProperty("com.attacker.ops:RunShell").GetInt64().Should().BeGreaterThanOrEqualTo(1);

        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("model_opcode_mode 2")
            .And.Contain("model_opcode_whitelist_violations_total{opcode=\"ai.onnx:RandomUniform\"}")
            .And.Contain("model_opcode_blocked_total{opcode=\"com.attacker.ops:RunShell\"}")
            .And.Contain("model_opcode_audit_total{opcode=\"ai.onnx:MatMul\"}")
            .And.Contain("model_security_fail_total{reason=\"custom_domain\"}")
            .And.Contain("model_reload_total{status=\"opcode_blocked\"}")
            .And.Contain("model_reload_total{status=\"success\"}")
            .And.Contain("model_reload_duration_seconds_bucket{stage=\"opcode_scan\"")
            .And.Contain("model_opcode_scans_total");
    }

    private static async Task<string?> ServingAsync(HttpClient client)
    {
        var model = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/model");
        return model.GetProperty("sha256").GetString();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
