using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Observability;

/// <summary>
/// The staging checklist's alert drills against the real service and a real Prometheus: a
/// synthetic degradation fires VectorStoreDegraded, a burst of unseen files fires LowCacheHitRatio,
/// a model with an operator outside the allowlist fires OpcodeWhitelistViolation (and one from an
/// unknown custom domain ModelOpcodeBlocked); and every
/// dashboard query parses and returns series. A wrong metric name in a rule or a panel fails here.
/// </summary>
public sealed class PrometheusEndToEndTests
{
    private static readonly TimeSpan AlertLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Drills_fire_their_alerts_and_every_dashboard_query_returns_series()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var blocked = TestModels.Classifier("drill-blocked-operator").WithOpInIfBranch().Bytes();
            Directory.CreateDirectory(Path.Combine(dataDir, "models"));
            await File.WriteAllBytesAsync(Path.Combine(dataDir, "models", "blocked-operator.onnx"), blocked);
            var customDomain = TestModels.Classifier("drill-custom-domain").WithCustomDomainOp().Bytes();
            await File.WriteAllBytesAsync(Path.Combine(dataDir, "models", "custom-domain.onnx"), customDomain);
            var startup = TestModels.Classifier(CadMlFactory.StartupModelVersion).Bytes();
            await using var service = await ServiceProcess.StartAsync(dataDir, new Dictionary<string, string>
            {
                ["ALLOWED_MODEL_HASHES"] = $"{Sha256(startup)},{Sha256(blocked)},{Sha256(customDomain)}",
            });
            await using var prometheus = await PrometheusServer.StartAsync(service.BaseAddress);
            using var client = service.CreateClient();
            using var admin = service.CreateClient();
            admin.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);

            // Drill 1: synthetic degradation.
            (await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "drill", duration_seconds = 5 })).StatusCode.Should().Be(HttpStatusCode.OK);
            await prometheus.WaitForFiringAsync("VectorStoreDegraded", AlertLimit);

            // Drill 2: a burst of files the cache has never seen drops the hit ratio under 70 %.
            for (var i = 0; i < 60; i++)
            {
                var version = i % 2 == 0 ? "v4" : "v3";
                var response = await client.AnalyzeAsync($"unseen-{i}.dxf", UniqueDrawing(i), $$"""{"feature_version":"{{version}}"}""");
                response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }

            await prometheus.WaitForFiringAsync("LowCacheHitRatio", AlertLimit);

            // Drill 3: a model with an operator outside the allowlist is refused at opcode_scan.
            var reload = await admin.PostAsJsonAsync("/api/v1/model/reload", new { path = "blocked-operator.onnx" });
            await reload.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan");
            await prometheus.WaitForFiringAsync("OpcodeWhitelistViolation", AlertLimit);

            // An operator from an unknown custom domain is refused in every mode and counted as blocked.
            var custom = await admin.PostAsJsonAsync("/api/v1/model/reload", new { path = "custom-domain.onnx" });
            await custom.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "MODEL_OPCODE_BLOCKED", "opcode_scan");
            await prometheus.WaitForFiringAsync("ModelOpcodeBlocked", AlertLimit);

            // Recovery after the drill, and the v3 analyses migrated to v4, so their panels have data.
            await prometheus.WaitUntilAsync(async () =>
            {
                var recover = await admin.PostAsJsonAsync("/api/v1/faiss/recover", new { force = true });
                var outcome = (await recover.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString();
                return outcome is "restored" or "not_degraded";
            }, AlertLimit, "recovery after the drill");
            (await client.GetAsync("/api/v1/vectors/migrate/preview?to_version=v4&limit=5")).StatusCode.Should().Be(HttpStatusCode.OK);
            var migrate = await admin.PostAsJsonAsync("/api/v1/vectors/migrate", new { to_version = "v4", dry_run = false });
            migrate.StatusCode.Should().Be(HttpStatusCode.OK, await migrate.Content.ReadAsStringAsync());

            await EveryDashboardQueryReturnsSeriesAsync(prometheus);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task EveryDashboardQueryReturnsSeriesAsync(PrometheusServer prometheus)
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(
            RepositoryPaths.Combine("observability", "grafana", "dashboards", "observability.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString(), Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        queries.Should().HaveCountGreaterThan(20);

        var empty = new List<string>();
        try
        {
            await prometheus.WaitUntilAsync(async () =>
            {
                empty.Clear();
                foreach (var (panel, expr) in queries)
                {
                    // Grafana's interval variable; a minute spans many 1 s scrapes here.
                    if ((await prometheus.QueryAsync(expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal))).GetArrayLength() == 0)
                    {
                        empty.Add($"{panel}: {expr}");
                    }
                }

                return empty.Count == 0;
            }, TimeSpan.FromSeconds(60), "every dashboard query to return series");
        }
        catch (TimeoutException)
        {
            // The assertion below names the queries that stayed empty.
        }

        empty.Should().BeEmpty();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A different circle each time, so every upload is a cache miss.</summary>
    private static byte[] UniqueDrawing(int i) => Encoding.ASCII.GetBytes(
        $"0\nSECTION\n2\nENTITIES\n0\nCIRCLE\n8\n0\n10\n{i}\n20\n0\n30\n0\n40\n{i + 1}\n0\nLINE\n8\nA\n10\n0\n20\n0\n30\n0\n11\n{i * 2}\n21\n3\n31\n0\n0\nENDSEC\n0\nEOF\n");
}
