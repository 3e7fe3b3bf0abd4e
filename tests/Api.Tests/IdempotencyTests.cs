using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Api.Tests;

/// <summary>The Idempotency-Key rules of POST analyze and POST vectors, through HTTP, counted in the store file.</summary>
public sealed class IdempotencyTests : IClassFixture<IdempotencyTests.Factory>
{
    private static readonly byte[] Dxf = File.ReadAllBytes(RepositoryPaths.Combine(".corpus", "dxf", "librecad-data__librecad__patterns__square.dxf"));
    private static readonly byte[] Step = File.ReadAllBytes(RepositoryPaths.Combine(".corpus", "step", "freecad-common__freecad__Mod__Idf__Idflibs__1210_SMD.stp"));

    private readonly Factory _factory;

    public IdempotencyTests(Factory factory) => _factory = factory;

    public sealed class Factory : CadMlFactory;

    [Fact]
    public async Task The_same_key_and_file_answer_the_first_answer_again_and_store_one_analysis_and_one_vector()
    {
        var client = _factory.CreateAuthenticatedClient();
        var key = NewKey();
        var project = Guid.NewGuid().ToString("N");

        var first = await AnalyzeAsync(client, key, Dxf, material: "steel", project: project);
        var second = await AnalyzeAsync(client, key, Dxf, material: "steel", project: project);

        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.Should().Be(HttpStatusCode.OK, firstBody);
        second.StatusCode.Should().Be(first.StatusCode);
        (await second.Content.ReadAsStringAsync()).Should().Be(firstBody, "a replay is the first answer, byte for byte");
        StoreRows.Count(_factory.DataDir, "SELECT count(*) FROM analyses WHERE project_id = $p;", ("$p", project)).Should().Be(1);
        var id = JsonDocument.Parse(firstBody).RootElement.GetProperty("id").GetString()!;
        StoreRows.Count(_factory.DataDir, "SELECT count(*) FROM vectors WHERE project_id = $p;", ("$p", project)).Should().Be(1);
        StoreRows.Count(_factory.DataDir, "SELECT count(*) FROM idempotency_keys WHERE idem_key = $k AND resource_id = $id AND response IS NOT NULL;",
            ("$k", key), ("$id", id)).Should().Be(1);

        var metrics = await _factory.CreateClient().GetStringAsync("/metrics");
        metrics.Should().MatchRegex("idempotent_requests_total\\{endpoint=\"analyze\",outcome=\"replayed\"\\} [1-9]");
    }

    [Fact]
    public async Task The_same_key_with_another_file_or_other_options_is_refused_without_echoing_the_request()
    {
        var client = _factory.CreateAuthenticatedClient();
        var key = NewKey();
        var project = Guid.NewGuid().ToString("N");
        (await AnalyzeAsync(client, key, Dxf, material: "steel", project: project)).StatusCode.Should().Be(HttpStatusCode.OK);

        foreach (var reuse in new[]
        {
            await AnalyzeAsync(client, key, Dxf, material: "secret-brass-grade", project: project),
            await AnalyzeAsync(client, key, Dxf, material: "steel", project: project, options: "{\"feature_version\":\"v3\"}"),
            await AnalyzeAsync(client, key, Step, material: "steel", project: project, fileName: "part.stp"),
        })
        {
            var problem = await reuse.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "idempotency");
            problem.GetProperty("context").GetProperty("idempotency_key").GetString().Should().Be(key);
            problem.GetRawText().Should().NotContain("secret-brass-grade").And.NotContain("v3").And.NotContain(Convert.ToHexStringLower(SHA256.HashData(Step)));
        }

        StoreRows.Count(_factory.DataDir, "SELECT count(*) FROM analyses WHERE project_id = $p;", ("$p", project)).Should().Be(1);
    }

    [Fact]
    public async Task A_key_on_analyze_and_the_same_key_on_vectors_are_two_keys()
    {
        var client = _factory.CreateAuthenticatedClient();
        var key = NewKey();
        (await AnalyzeAsync(client, key, Dxf)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await RegisterAsync(client, key, Guid.NewGuid().ToString("N"), 1)).StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("\u00e9t\u00e9")]
    [InlineData("k256")]
    public async Task A_malformed_key_is_refused_before_anything_runs(string key)
    {
        key = key == "k256" ? new string('k', 256) : key;
        var client = _factory.CreateAuthenticatedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/vectors")
        {
            Content = JsonContent.Create(new { id = Guid.NewGuid().ToString("N"), vector = VectorsApiTests.Vector(3) }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await client.SendAsync(request);
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        problem.GetProperty("context").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString())
            .Should().Contain("idempotency_key");
    }

    [Fact]
    public async Task A_vector_registered_twice_with_one_key_is_written_once_and_a_changed_vector_is_refused()
    {
        var client = _factory.CreateAuthenticatedClient();
        var key = NewKey();
        var id = Guid.NewGuid().ToString("N");
        var first = await RegisterAsync(client, key, id, 1);
        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.Should().Be(HttpStatusCode.Created, firstBody);
        var generation = StoreRows.Count(_factory.DataDir, "SELECT value FROM store_counters WHERE name = 'vector_generation';");

        var again = await RegisterAsync(client, key, id, 1);
        again.StatusCode.Should().Be(HttpStatusCode.Created);
        (await again.Content.ReadAsStringAsync()).Should().Be(firstBody);
        StoreRows.Count(_factory.DataDir, "SELECT value FROM store_counters WHERE name = 'vector_generation';")
            .Should().Be(generation, "a replay writes nothing");

        await (await RegisterAsync(client, key, id, 2)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "idempotency");
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_store_one_analysis_and_the_others_wait_their_turn_or_replay()
    {
        var client = _factory.CreateAuthenticatedClient();
        var key = NewKey();
        var project = Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => AnalyzeAsync(client, key, Step, project: project, fileName: "part.stp")));

        StoreRows.Count(_factory.DataDir, "SELECT count(*) FROM analyses WHERE project_id = $p;", ("$p", project)).Should().Be(1);
        var bodies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_IN_PROGRESS", "idempotency");
                response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
                continue;
            }

            response.StatusCode.Should().Be(HttpStatusCode.OK);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        bodies.Should().HaveCount(1, "every success is the one stored answer");
        var retried = await AnalyzeAsync(client, key, Step, project: project, fileName: "part.stp");
        (await retried.Content.ReadAsStringAsync()).Should().Be(bodies.Single());
    }

    [Fact]
    public async Task A_key_is_kept_for_its_period_to_the_millisecond_then_starts_a_new_request_and_is_purged()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new CadMlFactory(new Dictionary<string, string?>
        {
            ["IDEMPOTENCY_KEY_TTL_HOURS"] = "1",
            ["IDEMPOTENCY_PURGE_INTERVAL_SECONDS"] = "10800",
        })
        { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(time) };
        var client = factory.CreateAuthenticatedClient();
        var key = NewKey();

        var first = await (await AnalyzeAsync(client, key, Dxf)).Content.ReadAsStringAsync();
        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1));
        (await (await AnalyzeAsync(client, key, Dxf)).Content.ReadAsStringAsync()).Should().Be(first, "one millisecond before expiry the key still holds");

        time.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await AnalyzeAsync(client, key, Dxf);
        var freshBody = await fresh.Content.ReadAsStringAsync();
        fresh.StatusCode.Should().Be(HttpStatusCode.OK, freshBody);
        Id(freshBody).Should().NotBe(Id(first), "an expired key starts a new request");
        StoreRows.Count(factory.DataDir, "SELECT count(*) FROM idempotency_keys;").Should().Be(1, "the expired row was taken over in place");

        // The second use expires at 2 h; the purge (every 3 h here) deletes it off the request path, not before.
        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1));
        StoreRows.Count(factory.DataDir, "SELECT count(*) FROM idempotency_keys;").Should().Be(1);
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1));
        await Poll.UntilAsync(() => StoreRows.Count(factory.DataDir, "SELECT count(*) FROM idempotency_keys;") == 0, TimeSpan.FromSeconds(10));
        var metrics = await factory.CreateClient().GetStringAsync("/metrics");
        metrics.Should().Contain("idempotency_keys_purged_total 1");

        static string Id(string body) => JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static string NewKey() => "test-" + Guid.NewGuid().ToString("N");

    private static async Task<HttpResponseMessage> AnalyzeAsync(
        HttpClient client, string key, byte[] content, string? material = null, string? project = null, string? options = null, string fileName = "part.dxf")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/analyze") { Content = Uploads.Form(fileName, content, options, material, project) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> RegisterAsync(HttpClient client, string key, string id, int seed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/vectors") { Content = JsonContent.Create(new { id, vector = VectorsApiTests.Vector(seed) }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }
}
