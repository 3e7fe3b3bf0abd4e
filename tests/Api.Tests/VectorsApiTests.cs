using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

public sealed class VectorsApiTests : IClassFixture<VectorsApiTests.Factory>
{
    private readonly Factory _factory;

    public VectorsApiTests(Factory factory) => _factory = factory;

    public sealed class Factory : CadMlFactory;

    [Fact]
    public async Task A_registered_vector_can_be_read_listed_searched_and_counted()
    {
        var client = _factory.CreateAuthenticatedClient();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 6; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/vectors", new
            {
                id = $"{prefix}-{i}",
                vector = Vector(i),
                feature_version = "v4",
                meta = new Dictionary<string, string> { ["material"] = i % 2 == 0 ? "steel" : "brass", ["format"] = "stl", ["label"] = prefix },
            });
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        var one = await client.GetFromJsonAsync<JsonElement>($"/api/v1/vectors/{prefix}-2");
        one.GetProperty("feature_version").GetString().Should().Be("v4");
        one.GetProperty("dimension").GetInt32().Should().Be(24);
        one.GetProperty("vector").EnumerateArray().Select(v => v.GetDouble()).Should().Equal(Vector(2));

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/vectors?label={prefix}&material=steel&version=v4&limit=2");
        page.GetProperty("total").GetInt64().Should().Be(3);
        page.GetProperty("items").GetArrayLength().Should().Be(2);

        var search = await client.PostAsJsonAsync("/api/v1/vectors/search", new { id = $"{prefix}-0", k = 3, filters = new { label = prefix } });
        var hits = await search.Content.ReadFromJsonAsync<JsonElement>();
        search.StatusCode.Should().Be(HttpStatusCode.OK);
        hits.GetProperty("backend").GetString().Should().Be("faiss");
        var ids = hits.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        ids.Should().HaveCount(3).And.NotContain($"{prefix}-0").And.OnlyContain(id => id!.StartsWith(prefix, StringComparison.Ordinal));

        var stats = await client.GetFromJsonAsync<JsonElement>("/api/v1/vectors/stats");
        stats.GetProperty("by_version").GetProperty("v4").GetInt64().Should().BeGreaterThanOrEqualTo(6);
        stats.GetProperty("index").GetProperty("kind").GetString().Should().Be("flat");
        stats.GetProperty("index").GetProperty("versions").GetProperty("v4").GetProperty("dimension").GetInt32().Should().Be(24);
    }

    [Fact]
    public async Task Min_score_drops_the_hits_that_score_below_it()
    {
        var client = _factory.CreateAuthenticatedClient();
        var prefix = Guid.NewGuid().ToString("N")[..8];
        // Unit vectors along slots 0 and 1 and their mixture: cosine to "x" is 1, 0.7071 and 0.
        var vectors = new Dictionary<string, double[]> { ["x"] = Unit(1, 0), ["xy"] = Unit(1, 1), ["y"] = Unit(0, 1), ["x2"] = Unit(2, 0) };
        foreach (var (name, vector) in vectors)
        {
            var response = await client.PostAsJsonAsync("/api/v1/vectors", new { id = $"{prefix}-{name}", vector, feature_version = "v4", meta = new Dictionary<string, string> { ["label"] = prefix } });
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        async Task<List<string?>> SearchAsync(double? minScore)
        {
            var search = await client.PostAsJsonAsync("/api/v1/vectors/search", new { id = $"{prefix}-x", k = 10, filters = new { label = prefix }, min_score = minScore });
            search.StatusCode.Should().Be(HttpStatusCode.OK, await search.Content.ReadAsStringAsync());
            var hits = await search.Content.ReadFromJsonAsync<JsonElement>();
            return [.. hits.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()![(prefix.Length + 1)..])];
        }

        (await SearchAsync(null)).Should().BeEquivalentTo("x2", "xy", "y");
        (await SearchAsync(0.5)).Should().Equal("x2", "xy");
        (await SearchAsync(0.99)).Should().Equal("x2");

        static double[] Unit(double a, double b)
        {
            var v = new double[24];
            v[0] = a;
            v[1] = b;
            return v;
        }
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-1.01)]
    public async Task A_min_score_outside_minus_one_to_one_is_422(double minScore)
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/vectors/search", new { vector = new double[24], k = 3, min_score = minScore });

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors").EnumerateArray().Should().Contain(e => e.GetProperty("field").GetString() == "min_score");
    }

    [Fact]
    public async Task A_vector_of_the_wrong_length_is_422_dimension_mismatch_with_expected_and_found()
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/vectors",
            new { id = "short-one", vector = new[] { 1.0, 2.0, 3.0 }, feature_version = "v4" });

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "DIMENSION_MISMATCH", "dimension_check");
        body.GetProperty("context").GetProperty("expected").GetInt32().Should().Be(24);
        body.GetProperty("context").GetProperty("found").GetInt32().Should().Be(3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task A_search_k_outside_1_to_100_is_a_validation_failure(int k)
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/vectors/search", new { vector = Vector(1), k });

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("k");
    }

    [Fact]
    public async Task Deleting_needs_the_admin_token_and_then_the_vector_is_gone()
    {
        var client = _factory.CreateAuthenticatedClient();
        (await client.PostAsJsonAsync("/api/v1/vectors", new { id = "to-delete", vector = Vector(3) })).StatusCode.Should().Be(HttpStatusCode.Created);

        await (await client.DeleteAsync("/api/v1/vectors/to-delete")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
        var deleted = await _factory.CreateAuthenticatedClient(admin: true).DeleteAsync("/api/v1/vectors/to-delete");

        deleted.StatusCode.Should().Be(HttpStatusCode.OK);
        await (await client.GetAsync("/api/v1/vectors/to-delete")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "VECTOR_NOT_FOUND", "lookup");
    }

    [Fact]
    public async Task Searches_are_measured_by_backend_in_the_metrics()
    {
        var client = _factory.CreateAuthenticatedClient();
        // FAISS is built in the background after start; run alone, this test can search before it serves.
        await Poll.UntilAsync(
            async () => (await client.GetStringAsync("/api/v1/vectors/stats")).Contains("\"backend\":\"faiss\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "FAISS serving");
        (await client.PostAsJsonAsync("/api/v1/vectors/search", new { vector = Vector(4), k = 1 })).StatusCode.Should().Be(HttpStatusCode.OK);

        var metrics = await _factory.CreateClient().GetStringAsync("/metrics");

        metrics.Should().Contain("vector_query_latency_seconds_bucket{backend=\"faiss\"")
            .And.Contain("vector_query_backend_total{backend=\"faiss\"}")
            .And.Contain("faiss_index_size ")
            .And.Contain("faiss_index_age_seconds ");
        // A lone search on a flat index is a batch of one.
        var batches = System.Text.RegularExpressions.Regex.Match(metrics, @"^vector_search_batch_size_bucket\{le=""1""\} (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        batches.Success.Should().BeTrue();
        long.Parse(batches.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(0);
    }

    internal static double[] Vector(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 24).Select(_ => Math.Round(random.NextDouble(), 6))];
    }
}
