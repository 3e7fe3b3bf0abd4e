using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CadMl.Api.Tests;

/// <summary>
/// Done-when 5: a write stream through the balancer survives an immediate stop and restart of the
/// shared PostgreSQL server, and separately a kill -9 of one replica. Every acknowledged write is in
/// the store afterwards; every refusal meanwhile is problem+json and never a 500 (a replica's 503
/// STORE_UNAVAILABLE, the balancer's 503 NOT_READY once every replica went unready, or its 502
/// REPLICA_LOST for a request the killed replica was handling); the fleet recovers by itself.
/// Each test starts its own fleet.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() =>
        _fleet = await FleetProcesses.StartCanaryFleetAsync();

    public async Task DisposeAsync() => await _fleet.DisposeAsync();

    [Fact]
    public async Task An_immediate_postgres_restart_during_a_write_stream_loses_no_acknowledged_write_and_answers_503_problems_meanwhile()
    {
        var stream = new WriteStream(_fleet.CreateBalancerClient(), "outage");
        var acknowledged = stream.Acknowledged;
        var refusals = stream.Refusals;
        Task WriteAsync() => stream.WriteAsync();

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
        refusals.Keys.Should().NotContain("REPLICA_LOST", "no replica died");
        output.WriteLine($"postgres restart: {acknowledged.Count} acknowledged, refusals {string.Join(", ", refusals)}");
        await stream.AllAcknowledgedAreStoredAsync(_fleet);
    }

    [Fact]
    public async Task A_replica_killed_during_a_write_stream_loses_no_acknowledged_write_and_the_others_carry_on()
    {
        var stream = new WriteStream(_fleet.CreateBalancerClient(), "killed");
        for (var i = 0; i < 30; i++)
        {
            await stream.WriteAsync();
        }

        // Writes in flight while the replica dies: the kill lands in the middle of the stream.
        var writer = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(6))
            {
                await stream.WriteAsync();
            }
        });
        stream.AllowNoAnswer = true;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await _fleet.Replicas[1].Process.KillAsync();
        await writer;
        stream.AllowNoAnswer = false;

        var before = stream.Acknowledged.Count;
        for (var i = 0; i < 30; i++)
        {
            await stream.WriteAsync();
        }

        stream.Acknowledged.Count.Should().Be(before + 30, "the two replicas left take every write once the balancer took the dead one out");
        stream.Refusals.Keys.Should().BeSubsetOf(["REPLICA_LOST", "NO_ANSWER"], "only the requests the killed replica held fail; never a 500");
        output.WriteLine($"kill -9: {stream.Acknowledged.Count} acknowledged, refusals {string.Join(", ", stream.Refusals)}");
        (await _fleet.RuntimeAsync("show servers state replicas")).Split('\n')
            .Single(line => line.Contains(" stable-2 ", StringComparison.Ordinal)).Split(' ')[5].Should().Be("0", "HAProxy marks the killed replica down");
        await stream.AllAcknowledgedAreStoredAsync(_fleet);
    }

    /// <summary>Sequential vector writes with unique ids; records what was acknowledged and checks every refusal's shape.</summary>
    private sealed class WriteStream(HttpClient client, string prefix)
    {
        private int _next;

        public List<string> Acknowledged { get; } = [];

        public Dictionary<string, int> Refusals { get; } = new(StringComparer.Ordinal);

        /// <summary>Only while a replica is being killed may a request end without an answer.</summary>
        public bool AllowNoAnswer { get; set; }

        public async Task WriteAsync()
        {
            var n = Interlocked.Increment(ref _next);
            var id = $"{prefix}-{n}";
            HttpResponseMessage response;
            try
            {
                response = await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector = VectorsApiTests.Vector(n) });
            }
            catch (HttpRequestException) when (AllowNoAnswer)
            {
                // The replica died under this request and HAProxy closed the connection without an
                // answer (seen under load instead of its 502 REPLICA_LOST): not acknowledged, so the
                // write may or may not exist, which is what a client must assume without an answer.
                Refusals["NO_ANSWER"] = Refusals.GetValueOrDefault("NO_ANSWER") + 1;
                return;
            }

            using var owned = response;
            if (response.StatusCode == HttpStatusCode.Created)
            {
                Acknowledged.Add(id);
                return;
            }

            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().BeOneOf([HttpStatusCode.ServiceUnavailable, HttpStatusCode.BadGateway], text);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", text);
            var code = JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
            code.Should().BeOneOf("STORE_UNAVAILABLE", "NOT_READY", "REPLICA_LOST");
            Refusals[code] = Refusals.GetValueOrDefault(code) + 1;
        }

        public async Task AllAcknowledgedAreStoredAsync(FleetProcesses fleet)
        {
            var stored = await fleet.QueryAsync<string>($"SELECT coalesce(string_agg(id, ','), '') FROM vectors WHERE id LIKE '{prefix}-%'");
            stored.Split(',', StringSplitOptions.RemoveEmptyEntries).Should().Contain(Acknowledged, "an acknowledged write is committed");
        }
    }
}
