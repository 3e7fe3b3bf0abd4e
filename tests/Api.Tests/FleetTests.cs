using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using CadMl.Infrastructure.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace CadMl.Api.Tests;

/// <summary>
/// Issue 18 with real processes: PostgreSQL, three replicas (stable-1, stable-2, canary-1) started
/// together and HAProxy at 45/45/10 (<see cref="FleetProcesses"/>). One fleet for the class: starting
/// one costs about a minute on a loaded machine. The outage test has its own fleet
/// (<see cref="FleetOutageTests"/>); the collection keeps the two from running at once.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetTests(CanaryFleetFixture fleet, ITestOutputHelper output) : IClassFixture<CanaryFleetFixture>
{
    [Fact]
    public async Task Three_replicas_starting_together_apply_each_schema_step_once_and_see_each_other_in_the_fleet_view()
    {
        var f = fleet.Fleet;
        // schema_steps has the step as its key: a second run of a step would have failed that
        // replica's start (and it would not be ready); one row per step, and the version matches.
        (await f.QueryAsync<long>("SELECT count(*) FROM schema_steps")).Should().Be(PostgresSchema.Steps.Count);
        (await f.QueryAsync<long>("SELECT count(DISTINCT step) FROM schema_steps")).Should().Be(PostgresSchema.Steps.Count);
        (await f.QueryAsync<int>("SELECT version FROM schema_state")).Should().Be(PostgresSchema.Steps.Count);

        using var client = f.Replicas[0].Process.CreateClient();
        var view = await Poll.UntilAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/v1/fleet"),
            body => body.GetProperty("replicas").GetArrayLength() == 3,
            TimeSpan.FromSeconds(20),
            "all three heartbeat rows");
        view.GetProperty("this_replica").GetString().Should().Be("stable-1");
        var replicas = view.GetProperty("replicas").EnumerateArray().ToDictionary(r => r.GetProperty("replica_id").GetString()!);
        replicas.Keys.Should().BeEquivalentTo(["stable-1", "stable-2", "canary-1"]);
        replicas["canary-1"].GetProperty("track").GetString().Should().Be("canary");
        replicas["stable-2"].GetProperty("track").GetString().Should().Be("stable");
        foreach (var replica in replicas.Values)
        {
            replica.GetProperty("stale").GetBoolean().Should().BeFalse();
            replica.GetProperty("model_sha256").GetString().Should().HaveLength(64);
            replica.GetProperty("lag").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        }

        // Every replica runs the fleet's one cache settings record (version 0 until an operator changes it).
        replicas.Values.Select(r => long.Parse(r.GetProperty("cache_settings_version").GetString()!, CultureInfo.InvariantCulture))
            .Distinct().Should().ContainSingle().Which.Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task The_previous_release_stays_ready_against_the_schema_this_release_expanded()
    {
        // "The previous release" is this code with the last schema step taken away: exactly what the
        // release before the last step declares (its steps are a prefix of ours, never edited). It opens the
        // store the fleet migrated without touching it, because the last step is an expansion.
        var f = fleet.Fleet;
        var previous = PostgresSchema.Steps.Take(PostgresSchema.Steps.Count - 1).ToList();
        var options = Options.Create(new Application.Common.Configuration.DataOptions
        {
            StoreBackend = "postgres",
            DatabaseUrl = f.DatabaseUrl,
            DataDir = Path.Combine(Path.GetTempPath(), "unused"),
        });
        await using var database = new PostgresDatabase(options, new CadMl.Infrastructure.Storage.StoreStatus("postgres", previous.Count));
        var state = await database.MigrateAsync(CancellationToken.None, previous, appliedBy: "previous-release");
        state.Verdict!.Action.Should().Be(CadMl.Domain.Storage.SchemaAction.Open, state.Verdict.Reason);
        state.Version.Should().Be(PostgresSchema.Steps.Count, "the store stays at the newer schema");
        (await f.QueryAsync<long>("SELECT count(*) FROM schema_steps")).Should().Be(PostgresSchema.Steps.Count, "the older build applied nothing");
        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            (await client.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_canary_gets_its_weight_share_and_a_runtime_weight_change_moves_it_without_a_reload()
    {
        var f = fleet.Fleet;
        using var client = f.CreateBalancerClient();
        var before = await CountServersAsync(client, 2000);
        var share = before.GetValueOrDefault("canary-1") / 2000.0;
        share.Should().BeInRange(0.08, 0.12, $"10 % ± 2 pp at 45/45/10 (counts {string.Join(", ", before)})");

        (await f.RuntimeAsync("set weight replicas/canary-1 5")).Trim().Should().BeEmpty();
        (await f.RuntimeAsync("get weight replicas/canary-1")).Should().StartWith("5 (initial 10)");
        var after = await CountServersAsync(client, 2000);
        var shifted = after.GetValueOrDefault("canary-1") / 2000.0;
        // 5/95 = 5.3 % of requests: the issue's 5 % ± 1.5 pp.
        shifted.Should().BeInRange(0.035, 0.065, $"5 % ± 1.5 pp at 45/45/5 (counts {string.Join(", ", after)})");
        output.WriteLine($"45/45/10: {string.Join(", ", before)}; 45/45/5: {string.Join(", ", after)}");

        // The header HAProxy adds names the replica the service itself says answered.
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync("/api/v1/fleet");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("this_replica").GetString().Should().Be(response.Headers.GetValues("X-Served-By").Single());
        }

        await f.RuntimeAsync("set weight replicas/canary-1 10");
    }

    [Fact]
    public async Task The_same_idempotency_key_sent_to_two_replicas_makes_one_analysis_and_one_vector_with_identical_answers()
    {
        var f = fleet.Fleet;
        // A small real drawing (a 4 × 4 square of lines), made here so the test needs no corpus.
        var key = $"fleet-{Guid.NewGuid():N}";
        var bytes = System.Text.Encoding.ASCII.GetBytes(
            "0\nSECTION\n2\nENTITIES\n"
            + "0\nLINE\n8\n0\n10\n0\n20\n0\n30\n0\n11\n4\n21\n0\n31\n0\n"
            + "0\nLINE\n8\n0\n10\n4\n20\n0\n30\n0\n11\n4\n21\n4\n31\n0\n"
            + "0\nLINE\n8\n0\n10\n4\n20\n4\n30\n0\n11\n0\n21\n4\n31\n0\n"
            + "0\nLINE\n8\n0\n10\n0\n20\n4\n30\n0\n11\n0\n21\n0\n31\n0\n"
            + $"0\nENDSEC\n999\n{key}\n0\nEOF\n");
        var analysesBefore = await f.QueryAsync<long>("SELECT count(*) FROM analyses");
        var vectorsBefore = await f.QueryAsync<long>("SELECT count(*) FROM vectors");

        var bodies = new List<string>();
        foreach (var replica in new[] { f.Replicas[0], f.Replicas[2] })
        {
            using var client = replica.Process.CreateClient();
            using var content = Uploads.Form("square.dxf", bytes);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/analyze") { Content = content };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, text);
            bodies.Add(text);
        }

        bodies[1].Should().Be(bodies[0]);
        (await f.QueryAsync<long>("SELECT count(*) FROM analyses")).Should().Be(analysesBefore + 1);
        (await f.QueryAsync<long>("SELECT count(*) FROM vectors")).Should().Be(vectorsBefore + 1);
    }

    private static async Task<Dictionary<string, int>> CountServersAsync(HttpClient client, int requests)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/health");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var server = response.Headers.GetValues("X-Served-By").Single();
            counts[server] = counts.GetValueOrDefault(server) + 1;
        }

        return counts;
    }
}

/// <summary>The fleet tests each start real processes; one at a time keeps a loaded machine able to run them.</summary>
[CollectionDefinition(Name)]
public sealed class FleetCollection
{
    public const string Name = "fleet";
}
