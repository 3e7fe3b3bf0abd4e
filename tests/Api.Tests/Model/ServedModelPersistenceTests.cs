using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Model;

/// <summary>
/// The model an operator reloads is the one a restart serves (after the same staged checks);
/// when it fails them now, MODEL_FILE serves and /health and a metric say so.
/// </summary>
public sealed class ServedModelPersistenceTests
{
    [Fact]
    public async Task A_reloaded_model_is_served_again_after_a_restart_and_falls_back_loudly_when_it_no_longer_passes()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var next = TestModels.Classifier("operator-choice-2").Bytes();
            var nextHash = Convert.ToHexStringLower(SHA256.HashData(next));
            string startupHash;
            using (var first = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = dataDir }))
            {
                startupHash = first.StartupModelSha256;
                var both = new Dictionary<string, string?> { ["DATA_DIR"] = dataDir, ["ALLOWED_MODEL_HASHES"] = $"{startupHash},{nextHash}" };
                File.WriteAllBytes(Path.Combine(first.ModelDir, "next.onnx"), next);
                using var allowing = new CadMlFactory(both);
                var admin = allowing.CreateAuthenticatedClient(admin: true);
                (await admin.PostAsJsonAsync("/api/v1/model/reload", new { path = "next.onnx" })).StatusCode.Should().Be(HttpStatusCode.OK);
            }

            using (var restarted = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = dataDir, ["ALLOWED_MODEL_HASHES"] = $"{startupHash},{nextHash}" }))
            {
                var client = restarted.CreateAuthenticatedClient();
                var model = await client.GetFromJsonAsync<JsonElement>("/api/v1/model");
                model.GetProperty("model_version").GetString().Should().Be("operator-choice-2", "the operator's model survives a restart");
                (await client.GetFromJsonAsync<JsonElement>("/health")).GetProperty("status").GetString().Should().Be("ok");
                (await client.GetStringAsync("/metrics")).Should().Contain("model_startup_fallback 0");
            }

            // The allowlist no longer lists it: the recorded model fails hash_check at start.
            using var fallen = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = dataDir, ["ALLOWED_MODEL_HASHES"] = startupHash });
            var again = fallen.CreateAuthenticatedClient();
            (await again.GetFromJsonAsync<JsonElement>("/api/v1/model")).GetProperty("model_version").GetString().Should().Be(CadMlFactory.StartupModelVersion);
            (await again.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK, "MODEL_FILE serves");
            var health = await again.GetFromJsonAsync<JsonElement>("/health");
            health.GetProperty("status").GetString().Should().Be("degraded");
            var facts = health.GetProperty("components").GetProperty("served_model_record").GetProperty("facts");
            facts.GetProperty("stage").GetString().Should().Be("hash_check");
            facts.GetProperty("recorded_path").GetString().Should().Be("next.onnx");
            var metrics = await again.GetStringAsync("/metrics");
            metrics.Should().Contain("model_startup_fallback 1").And.Contain("model_startup_fallback_total 1");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
