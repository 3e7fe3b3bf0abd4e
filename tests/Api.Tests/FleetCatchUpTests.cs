using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace CadMl.Api.Tests;

/// <summary>
/// Issue 18's catch-up with real processes (<see cref="FleetProcesses"/>: PostgreSQL, three
/// replicas, HAProxy): every replica's index follows the store's change log, so a write through
/// one replica is found by search on the others within about a second, and read-your-writes holds
/// through <c>X-Store-Generation</c> / <c>min_generation</c>. Visibility lag is measured from the
/// write's answer to the first search on the other replica that finds it (probes every 50 ms, so
/// the numbers are rounded up by up to that much).
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetCatchUpTests(CanaryFleetFixture fleet, ITestOutputHelper output) : IClassFixture<CanaryFleetFixture>
{
    private const string Generation = "X-Store-Generation";

    [Fact]
    public async Task Registrations_and_deletes_through_one_replica_are_seen_by_search_on_the_others_within_a_second()
    {
        var f = fleet.Fleet;
        using var a = Admin(0);
        using var b = f.Replicas[1].Process.CreateClient();
        using var c = f.Replicas[2].Process.CreateClient();
        var prefix = $"lag-{Guid.NewGuid():N}";
        var inserted = new List<double>();
        var removed = new List<double>();
        long last = 0;
        for (var i = 0; i < 200; i++)
        {
            var id = $"{prefix}-{i}";
            var vector = Vector(id);
            using var response = await a.PostAsJsonAsync("/api/v1/vectors", new { id, vector });
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            var generation = GenerationOf(response);
            generation.Should().BeGreaterThan(last, "each write answers the generation it produced");
            last = generation;
            inserted.Add(await VisibleOnBothAsync(b, c, vector, id, present: true));
        }

        // Deletes the same way, for every fourth vector.
        for (var i = 0; i < 200; i += 4)
        {
            var id = $"{prefix}-{i}";
            using var response = await a.DeleteAsync($"/api/v1/vectors/{id}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            GenerationOf(response).Should().BeGreaterThan(last);
            last = GenerationOf(response);
            removed.Add(await VisibleOnBothAsync(b, c, Vector(id), id, present: false));
        }

        output.WriteLine($"insert visibility on the other two replicas (ms, n={inserted.Count}): {Stats(inserted)}; delete (n={removed.Count}): {Stats(removed)}");
        Percentile(inserted, 0.99).Should().BeLessThanOrEqualTo(1000, "p99 visibility lag ≤ 1 s");
        inserted.Max().Should().BeLessThanOrEqualTo(1500, "max visibility lag ≤ 1.5 s");
        Percentile(removed, 0.99).Should().BeLessThanOrEqualTo(1000);
        removed.Max().Should().BeLessThanOrEqualTo(1500);

        // The followers' gauges: the generation they applied is the store's, nothing lagging.
        var store = await f.QueryAsync<long>("SELECT value FROM store_counters WHERE name = 'vector_generation'");
        foreach (var replica in f.Replicas)
        {
            using var client = replica.Process.CreateClient();
            await Poll.UntilAsync(
                async () => await client.GetStringAsync("/metrics"),
                metrics => Gauge(metrics, "vector_index_applied_generation") >= store && Gauge(metrics, "vector_index_lag_generations") == 0,
                TimeSpan.FromSeconds(5),
                $"{replica.Id} reporting applied generation {store} and lag 0");
        }
    }

    [Fact]
    public async Task With_min_generation_a_search_on_another_replica_finds_the_write_or_answers_503_within_the_bound()
    {
        var f = fleet.Fleet;
        using var a = Admin(0);
        var others = new[] { f.Replicas[1].Process.CreateClient(), f.Replicas[2].Process.CreateClient() };
        var prefix = $"ryw-{Guid.NewGuid():N}";
        int found = 0, lagging = 0;
        var waits = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            var id = $"{prefix}-{i}";
            var vector = Vector(id);
            using var write = await a.PostAsJsonAsync("/api/v1/vectors", new { id, vector });
            write.StatusCode.Should().Be(HttpStatusCode.Created);
            var generation = GenerationOf(write);

            var clock = Stopwatch.StartNew();
            using var search = await others[i % 2].PostAsJsonAsync($"/api/v1/vectors/search?min_generation={generation}", new { vector, k = 1 });
            waits.Add(clock.Elapsed.TotalMilliseconds);
            if (search.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var problem = await search.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "INDEX_LAGGING", "index");
                problem.GetProperty("context").GetProperty("wanted_generation").GetInt64().Should().Be(generation);
                lagging++;
                continue;
            }

            var body = await search.Content.ReadFromJsonAsync<JsonElement>();
            search.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
            body.GetProperty("results")[0].GetProperty("id").GetString().Should().Be(id, "with min_generation the answer includes the write");
            found++;

            // Deletes the same: with the delete's generation, the vector is gone from the answer.
            if (i % 10 == 0)
            {
                using var delete = await a.DeleteAsync($"/api/v1/vectors/{id}");
                delete.StatusCode.Should().Be(HttpStatusCode.OK);
                using var after = await others[(i + 1) % 2].PostAsJsonAsync($"/api/v1/vectors/search?min_generation={GenerationOf(delete)}", new { vector, k = 1 });
                if (after.StatusCode == HttpStatusCode.OK)
                {
                    var hits = (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results");
                    hits.EnumerateArray().Select(h => h.GetProperty("id").GetString()).Should().NotContain(id);
                }
                else
                {
                    await after.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "INDEX_LAGGING", "index");
                }
            }
        }

        output.WriteLine($"min_generation: {found} found, {lagging} INDEX_LAGGING; answer time (ms) {Stats(waits)}");
        (found + lagging).Should().Be(100);
        waits.Max().Should().BeLessThan(2500, "the wait is bounded by 2 s (plus the request itself)");

        // A generation from the future cannot be reached: 503 after the bound, never a stale 200.
        var future = await f.QueryAsync<long>("SELECT value FROM store_counters WHERE name = 'vector_generation'") + 1_000_000;
        var timed = Stopwatch.StartNew();
        using var refused = await others[0].PostAsJsonAsync($"/api/v1/vectors/search?min_generation={future}", new { vector = Vector("x"), k = 1 });
        var problemBody = await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "INDEX_LAGGING", "index");
        timed.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        problemBody.GetProperty("context").GetProperty("applied_generation").GetInt64().Should().BeLessThan(future);
        await (await others[0].PostAsJsonAsync("/api/v1/vectors/search?min_generation=-3", new { vector = Vector("x"), k = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        Array.ForEach(others, o => o.Dispose());
    }

    [Fact]
    public async Task A_migration_run_through_one_replica_is_switched_on_every_replica_within_2_s_of_its_end_and_never_seen_half_done()
    {
        var f = fleet.Fleet;
        using var a = Admin(0);
        var prefix = $"mig-{Guid.NewGuid():N}";
        var ids = Enumerable.Range(0, 60).Select(i => $"{prefix}-{i}").ToList();
        foreach (var id in ids)
        {
            (await a.PostAsJsonAsync("/api/v1/vectors", new { id, vector = Vector(id) })).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        // One vector per batch: 60 commits, each a point where a follower could show a mix. This
        // fleet holds no other v3 vectors, so a by-id search of a migrated vector on another
        // replica finds among v3 either none of the others (before its switch) or all 59.
        using var b = f.Replicas[1].Process.CreateClient();
        var migration = a.PostAsJsonAsync("/api/v1/vectors/migrate", new { ids, to_version = "v3", batch_size = 1 });
        var seen = new List<int>();
        while (!migration.IsCompleted)
        {
            if (await V3NeighboursAsync(b, ids[0], null) is { } count)
            {
                seen.Add(count);
            }
        }

        using var run = await migration;
        var ended = Stopwatch.StartNew();
        run.StatusCode.Should().Be(HttpStatusCode.OK, await run.Content.ReadAsStringAsync());
        var generation = GenerationOf(run);
        seen.Should().OnlyContain(count => count == 0 || count == ids.Count - 1, "a search sees the whole run or none of it");

        // Both other replicas at once, each timed from the migrate answer to its own switched answer.
        var switched = await Task.WhenAll(f.Replicas.Skip(1).Select(async replica =>
        {
            using var client = replica.Process.CreateClient();
            (await V3NeighboursAsync(client, ids[0], generation)).Should().Be(ids.Count - 1, $"{replica.Id} switched the run in");
            return ended.Elapsed.TotalMilliseconds;
        }));

        output.WriteLine($"migration of {ids.Count} vectors (60 batches): {seen.Count} searches on {f.Replicas[1].Id} during it saw {string.Join(", ", seen.Distinct())} v3 neighbours; switched on the other replicas {switched.Max():F0} ms after it answered");
        switched.Max().Should().BeLessThan(2000);
    }

    /// <summary>The v3 neighbours of <paramref name="id"/> that <paramref name="client"/>'s index has; null while the store still has it at another version.</summary>
    private static async Task<int?> V3NeighboursAsync(HttpClient client, string id, long? minGeneration)
    {
        using var search = await client.PostAsJsonAsync($"/api/v1/vectors/search{(minGeneration is { } g ? $"?min_generation={g}" : "")}", new { id, k = 100 });
        var body = await search.Content.ReadFromJsonAsync<JsonElement>();
        search.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        return body.GetProperty("feature_version").GetString() == "v3" ? body.GetProperty("results").GetArrayLength() : null;
    }

    private HttpClient Admin(int replica)
    {
        var client = fleet.Fleet.Replicas[replica].Process.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);
        return client;
    }

    /// <summary>
    /// Polls both replicas until the search for <paramref name="vector"/> finds (or no longer finds)
    /// <paramref name="id"/>; returns the slower one's ms. A lag above <see cref="ExplainAbove"/> is
    /// written out with where it went: when the replica last answered without the change (the
    /// follower was behind until then) and the slowest single search (time in the request path —
    /// scheduling, thread pools, the HTTP client — rather than in the follower).
    /// </summary>
    private async Task<double> VisibleOnBothAsync(HttpClient b, HttpClient c, double[] vector, string id, bool present)
    {
        var clock = Stopwatch.StartNew();
        var gcPausedBefore = GC.GetTotalPauseDuration();
        var lags = await Task.WhenAll(new[] { b, c }.Select(async client =>
        {
            double lastBehindSentAt = double.NaN, slowestSearch = 0, foundSentAt = 0, foundSearch = 0, lastAnsweredAt = 0, longestGap = 0;
            var probes = 0;
            await Poll.UntilAsync(
                async () =>
                {
                    var sentAt = clock.Elapsed.TotalMilliseconds;
                    longestGap = Math.Max(longestGap, sentAt - lastAnsweredAt);
                    using var response = await client.PostAsJsonAsync("/api/v1/vectors/search", new { vector, k = 1 });
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    lastAnsweredAt = clock.Elapsed.TotalMilliseconds;
                    slowestSearch = Math.Max(slowestSearch, lastAnsweredAt - sentAt);
                    probes++;
                    var top = body.GetProperty("results").EnumerateArray().Select(h => h.GetProperty("id").GetString()).FirstOrDefault();
                    var visible = (top == id) == present;
                    if (!visible)
                    {
                        lastBehindSentAt = sentAt;
                    }
                    else
                    {
                        (foundSentAt, foundSearch) = (sentAt, lastAnsweredAt - sentAt);
                    }

                    return visible;
                },
                TimeSpan.FromSeconds(10),
                $"{id} {(present ? "found" : "gone")} on {client.BaseAddress}");
            var lag = clock.Elapsed.TotalMilliseconds;
            if (lag > ExplainAbove)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"slow {(present ? "insert" : "delete")} on {client.BaseAddress}: {lag:F0} ms, {probes} searches; last without it sent at {(double.IsNaN(lastBehindSentAt) ? "none" : $"{lastBehindSentAt:F0} ms")}, the one with it sent at {foundSentAt:F0} ms and took {foundSearch:F0} ms; slowest search {slowestSearch:F0} ms, longest pause between searches (in this process: 50 ms planned) {longestGap:F0} ms; GC paused this process {(GC.GetTotalPauseDuration() - gcPausedBefore).TotalMilliseconds:F0} ms meanwhile; thread pool {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued"));
            }

            return lag;
        }));
        return lags.Max();
    }

    /// <summary>Lags above this are explained in the output (the issue's p99 bound is 1 s).</summary>
    private const double ExplainAbove = 500;

    private static long GenerationOf(HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues(Generation).Single(), CultureInfo.InvariantCulture);

    /// <summary>A vector of the default length whose nearest stored neighbour is itself (distinct per id).</summary>
    private static double[] Vector(string id) => VectorsApiTests.Vector(id.GetHashCode(StringComparison.Ordinal));

    private static double Gauge(string metrics, string name) =>
        metrics.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).Max();

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    private static string Stats(List<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(values, 0.5):F0}, p99 {Percentile(values, 0.99):F0}, max {values.Max():F0}");
}
