using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>
/// Done-when 5 (the PostgreSQL half): an immediate stop and restart of the shared server during a
/// write stream through the balancer. Every acknowledged write is in the store afterwards; every
/// refusal meanwhile is a 503 problem+json (a replica's STORE_UNAVAILABLE, or the balancer's
/// NOT_READY once every replica went unready), never a 500; and the fleet gets ready again by itself.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetOutageTests : IAsyncLifetime
{
    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() =>
        _fleet = await FleetProcesses.StartAsync([("stable-1", "stable", 45), ("stable-2", "stable", 45), ("canary-1", "canary", 10)]);

    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    [Fact]
    public async Task An_immediate_postgres_restart_during_a_write_stream_loses_no_acknowledged_write_and_answers_503_problems_meanwhile()
    {
        using var client = _fleet.CreateBalancerClient();
        var acknowledged = new List<string>();
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        var n = 0;

        async Task WriteAsync()
        {
            var id = $"outage-{n++}";
            using var response = await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector = VectorsApiTests.Vector(n) });
            if (response.StatusCode == HttpStatusCode.Created)
            {
                acknowledged.Add(id);
                return;
            }

            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, text);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
            var code = JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
            code.Should().BeOneOf("STORE_UNAVAILABLE", "NOT_READY");
            refusals[code] = refusals.GetValueOrDefault(code) + 1;
        }

        for (var i = 0; i < 30; i++)
        {
            await WriteAsync();
        }

        await _fleet.Postgres.StopAsync(immediate: true);
        // Long enough for the replicas to notice (1 s probe) and HAProxy to take them out (2 × 1 s).
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(5))
        {
            await WriteAsync();
        }

        foreach (var replica in _fleet.Replicas)
        {
            using var direct = replica.Process.CreateClient();
            await (await direct.GetAsync("/ready")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "NOT_READY", "readiness");
        }

        await _fleet.Postgres.StartAgainAsync();
        var written = acknowledged.Count;
        await Poll.UntilAsync(
            async () =>
            {
                await WriteAsync();
                return acknowledged.Count >= written + 30;
            },
            TimeSpan.FromSeconds(60),
            "30 acknowledged writes after the restart");

        foreach (var replica in _fleet.Replicas)
        {
            using var direct = replica.Process.CreateClient();
            await Poll.UntilAsync(async () => (await direct.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), $"{replica.Id} ready again");
        }

        refusals.Values.Sum().Should().BeGreaterThan(0, "the stream ran through the outage");
        var stored = await _fleet.QueryAsync<string>("SELECT coalesce(string_agg(id, ','), '') FROM vectors WHERE id LIKE 'outage-%'");
        stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Should().Contain(acknowledged, "an acknowledged write is committed");
    }
}
