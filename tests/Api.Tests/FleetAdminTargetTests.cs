using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>
/// Per-replica admin operations in a real fleet (PostgreSQL, stable-1, stable-2, canary-1 behind
/// HAProxy): through the balancer, which replica runs them is chosen by <c>?replica=</c> or
/// <c>?scope=all</c>, not by which replica HAProxy picked. Replicas advertise their URL in their
/// heartbeat (REPLICA_URL, set by <see cref="ServiceProcess"/> as build/fleet sets it).
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetAdminTargetTests(CanaryFleetFixture fleet) : IClassFixture<CanaryFleetFixture>
{
    [Fact]
    public async Task Through_the_balancer_a_drill_degrades_exactly_the_named_replica_and_recover_scope_all_recovers_every_one()
    {
        var f = fleet.Fleet;
        using var admin = AdminBalancerClient(f);
        await AllAdvertisedAsync(f);

        // Several times: HAProxy hands each request to a random replica, and every one must forward.
        for (var i = 0; i < 3; i++)
        {
            using var drill = await admin.PostAsJsonAsync("/api/v1/faiss/degrade?replica=stable-2", new { reason = "fleet drill", duration_seconds = 1 });
            var text = await drill.Content.ReadAsStringAsync();
            drill.StatusCode.Should().Be(HttpStatusCode.OK, text);
            drill.Headers.GetValues("X-Replica-Id").Single().Should().Be("stable-2");
            JsonDocument.Parse(text).RootElement.GetProperty("degraded").GetBoolean().Should().BeTrue();
        }

        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            var health = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health");
            health.GetProperty("degraded").GetBoolean().Should().Be(replica.Id == "stable-2", $"{replica.Id} was {(replica.Id == "stable-2" ? "" : "not ")}named");
        }

        // The one-second drill has passed; recovery everywhere, in one call through any replica.
        var body = await Poll.UntilAsync(
            async () =>
            {
                using var recover = await admin.PostAsJsonAsync("/api/v1/faiss/recover?scope=all", new { force = true });
                return (recover.StatusCode, await recover.Content.ReadFromJsonAsync<JsonElement>());
            },
            answer => answer.StatusCode == HttpStatusCode.OK
                && answer.Item2.GetProperty("replicas").EnumerateArray().All(r => r.GetProperty("body").GetProperty("health").GetProperty("degraded").GetBoolean() is false),
            TimeSpan.FromSeconds(30),
            "recover?scope=all restoring every replica");
        body.Item2.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("replica_id").GetString())
            .Should().Equal("canary-1", "stable-1", "stable-2");
        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            (await client.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health")).GetProperty("degraded").GetBoolean().Should().BeFalse(replica.Id);
        }
    }

    [Fact]
    public async Task Degraded_everywhere_a_recover_with_scope_all_rebuilds_one_replica_after_another_and_restores_all_three()
    {
        var f = fleet.Fleet;
        using var admin = AdminBalancerClient(f);
        await AllAdvertisedAsync(f);
        using var drill = await admin.PostAsJsonAsync("/api/v1/faiss/degrade?scope=all", new { reason = "fleet drill", duration_seconds = 1 });
        var drilled = await drill.Content.ReadAsStringAsync();
        drill.StatusCode.Should().Be(HttpStatusCode.OK, drilled);
        JsonDocument.Parse(drilled).RootElement.GetProperty("replicas").EnumerateArray()
            .Should().AllSatisfy(r => r.GetProperty("body").GetProperty("degraded").GetBoolean().Should().BeTrue());

        // Every drill over (its attempts fail by design until then); the automatic attempts are ~30 s away.
        await Poll.UntilAsync(
            async () => await admin.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health?scope=all"),
            all => all.GetProperty("replicas").EnumerateArray().All(r => r.GetProperty("body").GetProperty("drill_until").ValueKind == JsonValueKind.Null),
            TimeSpan.FromSeconds(15),
            "every replica's drill ending");

        // Each replica's rebuild takes the fleet's index-rebuild lease: all at once, two of the three would be 409 REBUILD_IN_PROGRESS.
        using var recover = await admin.PostAsJsonAsync("/api/v1/faiss/recover?scope=all", new { force = true });
        var text = await recover.Content.ReadAsStringAsync();
        recover.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var results = JsonDocument.Parse(text).RootElement.GetProperty("replicas").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("replica_id").GetString()).Should().Equal("canary-1", "stable-1", "stable-2");
        results.Select(r => r.GetProperty("body").GetProperty("outcome").GetString()).Should().Equal(["restored", "restored", "restored"], text);
        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            var health = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health");
            health.GetProperty("degraded").GetBoolean().Should().BeFalse(replica.Id);
            health.GetProperty("backend").GetString().Should().Be("faiss", replica.Id);
        }
    }

    [Fact]
    public async Task Faiss_health_answers_for_the_named_replica_for_all_and_untargeted_for_the_replica_that_received_it()
    {
        var f = fleet.Fleet;
        using var admin = AdminBalancerClient(f);
        await AllAdvertisedAsync(f);
        using var drill = await admin.PostAsJsonAsync("/api/v1/faiss/degrade?replica=stable-2", new { reason = "health drill", duration_seconds = 1 });
        drill.StatusCode.Should().Be(HttpStatusCode.OK, await drill.Content.ReadAsStringAsync());

        // Health is not admin: the API key alone reaches it, forwarded or not.
        using var reader = f.CreateBalancerClient();
        for (var i = 0; i < 3; i++)
        {
            foreach (var (id, degraded) in new[] { ("stable-2", true), ("stable-1", false), ("canary-1", false) })
            {
                using var response = await reader.GetAsync($"/api/v1/health/faiss/health?replica={id}");
                var body = await response.Content.ReadAsStringAsync();
                response.StatusCode.Should().Be(HttpStatusCode.OK, body);
                response.Headers.GetValues("X-Replica-Id").Single().Should().Be(id);
                JsonDocument.Parse(body).RootElement.GetProperty("degraded").GetBoolean().Should().Be(degraded, id);
            }
        }

        using var all = await reader.GetAsync("/api/v1/health/faiss/health?scope=all");
        var allText = await all.Content.ReadAsStringAsync();
        all.StatusCode.Should().Be(HttpStatusCode.OK, allText);
        JsonDocument.Parse(allText).RootElement.GetProperty("replicas").EnumerateArray()
            .ToDictionary(r => r.GetProperty("replica_id").GetString()!, r => r.GetProperty("body").GetProperty("degraded").GetBoolean())
            .Should().Equal(new Dictionary<string, bool> { ["canary-1"] = false, ["stable-1"] = false, ["stable-2"] = true });

        // Untargeted (a monitoring probe): the receiving replica answers for itself, never 400 REPLICA_REQUIRED.
        using var untargeted = await reader.GetAsync("/api/v1/health/faiss/health");
        untargeted.StatusCode.Should().Be(HttpStatusCode.OK, await untargeted.Content.ReadAsStringAsync());
        untargeted.Headers.GetValues("X-Replica-Id").Single().Should().BeOneOf("canary-1", "stable-1", "stable-2");
        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            using var own = await client.GetAsync("/api/v1/health/faiss/health");
            own.Headers.GetValues("X-Replica-Id").Single().Should().Be(replica.Id);
            (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("degraded").GetBoolean().Should().Be(replica.Id == "stable-2", replica.Id);
        }

        // Leave the fleet healthy for the other tests: recover stable-2 once its drill is over.
        await Poll.UntilAsync(
            async () =>
            {
                using var recover = await admin.PostAsJsonAsync("/api/v1/faiss/recover?replica=stable-2", new { force = true });
                return await recover.Content.ReadFromJsonAsync<JsonElement>();
            },
            answer => answer.TryGetProperty("outcome", out var outcome) && outcome.GetString() is "restored" or "not_degraded",
            TimeSpan.FromSeconds(30),
            "stable-2 recovering after its drill");
    }

    [Fact]
    public async Task The_opcode_audit_with_scope_all_returns_one_result_per_live_replica()
    {
        var f = fleet.Fleet;
        using var admin = AdminBalancerClient(f);
        await AllAdvertisedAsync(f);
        using var response = await admin.GetAsync("/api/v1/model/opcode-audit?scope=all");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var results = JsonDocument.Parse(text).RootElement.GetProperty("replicas").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("replica_id").GetString()).Should().Equal("canary-1", "stable-1", "stable-2");
        foreach (var result in results)
        {
            result.GetProperty("status").GetInt32().Should().Be(200);
            // Every replica scanned its own start-up model once.
            result.GetProperty("body").GetProperty("scans").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        }
    }

    [Fact]
    public async Task In_a_fleet_an_untargeted_admin_operation_is_a_400_listing_the_live_replicas_and_an_unknown_one_a_404()
    {
        var f = fleet.Fleet;
        using var admin = AdminBalancerClient(f);
        await AllAdvertisedAsync(f);
        var required = await (await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "which one?" }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, "REPLICA_REQUIRED", "replica_target");
        required.GetProperty("context").GetProperty("live_replicas").EnumerateArray().Select(r => r.GetString())
            .Should().Equal("canary-1", "stable-1", "stable-2");

        var unknown = await (await admin.GetAsync("/api/v1/model/opcode-audit?replica=stable-9"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "REPLICA_UNKNOWN", "replica_target");
        unknown.GetProperty("context").GetProperty("live_replicas").GetArrayLength().Should().Be(3);

        // A forwarded request carries the caller's admin token; a wrong one is refused by the replica that received it.
        using var wrong = f.CreateBalancerClient();
        wrong.DefaultRequestHeaders.Add("X-Admin-Token", "not-the-token-000000000");
        var refused = await wrong.PostAsJsonAsync("/api/v1/faiss/degrade?replica=stable-2", new { reason = "x" });
        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AUTH_INVALID_ADMIN_TOKEN", "auth");
        problem.GetRawText().Should().NotContain("not-the-token");
    }

    [Fact]
    public async Task A_replica_that_stopped_answering_is_a_502_naming_it_and_never_a_500()
    {
        // Its own fleet: this test stops a replica.
        await using var f = await FleetProcesses.StartAsync([("stable-1", "stable", 50), ("stable-2", "stable", 50)]);
        await AllAdvertisedAsync(f);
        await f.Replicas[1].Process.KillAsync();
        using var client = f.Replicas[0].Process.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);

        // Within the staleness bound its row still says live: the forward fails and says so.
        var direct = await client.PostAsJsonAsync("/api/v1/faiss/degrade?replica=stable-2", new { reason = "x" });
        var problem = await direct.ShouldBeProblemAsync(HttpStatusCode.BadGateway, "REPLICA_UNREACHABLE", "forward");
        problem.GetProperty("context").GetProperty("replica_id").GetString().Should().Be("stable-2");

        var all = await client.GetAsync("/api/v1/model/opcode-audit?scope=all");
        var incomplete = await all.ShouldBeProblemAsync(HttpStatusCode.BadGateway, "REPLICA_SCOPE_INCOMPLETE", "forward");
        var results = incomplete.GetProperty("context").GetProperty("replicas").EnumerateArray()
            .ToDictionary(r => r.GetProperty("replica_id").GetString()!, r => r.GetProperty("status").GetInt32());
        results.Should().Equal(new Dictionary<string, int> { ["stable-1"] = 200, ["stable-2"] = 502 });
    }

    private static HttpClient AdminBalancerClient(FleetProcesses f)
    {
        var client = f.CreateBalancerClient();
        client.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);
        return client;
    }

    /// <summary>Every replica's heartbeat row carries its URL (the first beat may predate the fixture's readiness).</summary>
    private static async Task AllAdvertisedAsync(FleetProcesses f)
    {
        using var client = f.Replicas[0].Process.CreateClient();
        await Poll.UntilAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/v1/fleet"),
            view => view.GetProperty("replicas").EnumerateArray().Count(r => r.GetProperty("url").ValueKind == JsonValueKind.String
                && !r.GetProperty("stale").GetBoolean()) == f.Replicas.Count,
            TimeSpan.FromSeconds(30),
            "every replica advertising its URL");
    }
}
