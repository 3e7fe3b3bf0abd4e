using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Api.Tests;

public sealed class AnalyzeTests : IClassFixture<AnalyzeTests.Factory>
{
    public sealed class Factory() : CadMlFactory(null);

    private const string Line = "0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n0\n20\n0\n30\n0\n11\n4\n21\n0\n31\n0\n0\nENDSEC\n0\nEOF\n";
    private readonly Factory _factory;

    public AnalyzeTests(Factory factory) => _factory = factory;

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task A_single_line_drawing_gives_the_golden_v2_vector_and_is_stored()
    {
        var client = _factory.CreateAuthenticatedClient();

        var body = await Ok(await client.AnalyzeAsync("line.dxf", Encoding.ASCII.GetBytes(Line), """{"feature_version":"v2"}""", material: "steel"));

        body.GetProperty("format").GetString().Should().Be("dxf");
        body.GetProperty("feature_version").GetString().Should().Be("v2");
        body.GetProperty("features").GetProperty("vector").EnumerateArray().Select(v => v.GetDouble())
            .Should().Equal(1, 4, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0);
        body.GetProperty("features").GetProperty("dimension").GetInt32().Should().Be(12);
        body.GetProperty("features").GetProperty("slots")[0].GetString().Should().Be("entity_count");
        body.GetProperty("document").GetProperty("kinds").GetProperty("LINE").GetInt32().Should().Be(1);
        body.GetProperty("document").GetProperty("complexity").GetString().Should().Be("low");
        body.GetProperty("material").GetString().Should().Be("steel");
        body.GetProperty("timings").GetProperty("total_ms").GetDouble().Should().BeGreaterThan(0);

        var stored = await Ok(await client.GetAsync($"/api/v1/analyze/{body.GetProperty("id").GetString()}"));
        stored.GetProperty("features").GetProperty("vector").ToString().Should().Be(body.GetProperty("features").GetProperty("vector").ToString());
        body.GetProperty("classification").GetProperty("label").GetString().Should().NotBeNullOrEmpty();
        stored.GetProperty("classification").ToString().Should().Be(body.GetProperty("classification").ToString(), "the stored record answers what the caller was told");
        stored.GetProperty("sha256").GetString().Should().Be(body.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task The_same_content_again_is_a_cache_hit_with_the_same_vector()
    {
        var client = _factory.CreateAuthenticatedClient();
        var content = Encoding.ASCII.GetBytes(Line.Replace("11\n4\n", "11\n7\n", StringComparison.Ordinal));

        var first = await Ok(await client.AnalyzeAsync("again.dxf", content));
        var second = await Ok(await client.AnalyzeAsync("again-renamed.dxf", content));

        first.GetProperty("features").GetProperty("cache_hit").GetBoolean().Should().BeFalse();
        second.GetProperty("features").GetProperty("cache_hit").GetBoolean().Should().BeTrue();
        second.GetProperty("features").GetProperty("vector").ToString().Should().Be(first.GetProperty("features").GetProperty("vector").ToString());
        second.GetProperty("id").GetString().Should().NotBe(first.GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_unknown_id_is_404_analysis_not_found()
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync("/api/v1/analyze/no-such-id");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "ANALYSIS_NOT_FOUND", "lookup");
    }

    [Theory]
    [InlineData("drawing.dwg", HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_INPUT_DWG")]
    [InlineData("notes.txt", HttpStatusCode.BadRequest, "UNSUPPORTED_FORMAT")]
    [InlineData("noextension", HttpStatusCode.BadRequest, "UNSUPPORTED_FORMAT")]
    public async Task Unsupported_files_are_refused_at_the_input_stage(string fileName, HttpStatusCode status, string code)
    {
        var response = await _factory.CreateAuthenticatedClient().AnalyzeAsync(fileName, [1, 2, 3]);

        var body = await response.ShouldBeProblemAsync(status, code, "input");
        body.GetProperty("context").GetProperty("supported").EnumerateArray().Select(e => e.GetString()).Should().Contain("dxf");
    }

    [Fact]
    public async Task An_empty_file_is_400()
    {
        var response = await _factory.CreateAuthenticatedClient().AnalyzeAsync("empty.stl", []);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "EMPTY_FILE", "input");
    }

    [Fact]
    public async Task A_file_over_the_limit_is_413_without_reading_it_all()
    {
        using var factory = new CadMlFactory(new Dictionary<string, string?> { ["ANALYSIS_MAX_FILE_MB"] = "1" });

        var response = await factory.CreateAuthenticatedClient().AnalyzeAsync("big.stl", new byte[(1024 * 1024) + 1]);

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE", "input");
        body.GetProperty("context").GetProperty("limit_bytes").GetInt64().Should().Be(1024 * 1024);
        // Refused while streaming the upload, before the use case: still counted.
        var metrics = await factory.CreateAuthenticatedClient().GetStringAsync("/metrics");
        metrics.Should().Contain("analysis_rejections_total{code=\"FILE_TOO_LARGE\"} 1")
            .And.Contain("analysis_requests_total{status=\"rejected\"} 1");
    }

    [Theory]
    [InlineData("""{"feature_version":"v9"}""", "feature_version")]
    [InlineData("""not json""", "options")]
    [InlineData("""{"feature_version":4}""", "options")]
    [InlineData("""{"min_score":1.5}""", "min_score")]
    [InlineData("""{"min_score":"high"}""", "options")]
    public async Task Bad_options_are_422_naming_the_field(string options, string field)
    {
        var response = await _factory.CreateAuthenticatedClient().AnalyzeAsync("line.dxf", Encoding.ASCII.GetBytes(Line), options);

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be(field);
    }

    [Fact]
    public async Task A_request_without_a_file_part_is_422()
    {
        using var form = new MultipartFormDataContent { { new StringContent("steel"), "material" } };

        var response = await _factory.CreateAuthenticatedClient().PostAsync("/api/v1/analyze", form);

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
    }

    [Theory]
    [InlineData("v1", 7)]
    [InlineData("v2", 12)]
    [InlineData("v3", 22)]
    [InlineData("v4", 24)]
    public async Task Every_format_of_the_real_corpus_analyses_to_a_vector_of_the_requested_length(string version, int dimension)
    {
        var client = _factory.CreateAuthenticatedClient();
        foreach (var format in new[] { "dxf", "stl", "step", "iges" })
        {
            var file = CorpusFiles.Of(format)[0];

            var body = await Ok(await client.AnalyzeAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file), $$"""{"feature_version":"{{version}}"}"""));

            body.GetProperty("features").GetProperty("vector").GetArrayLength().Should().Be(dimension, file);
            body.GetProperty("format").GetString().Should().Be(format);
        }
    }

    [Fact]
    public async Task Min_score_in_the_options_keeps_only_similar_parts_that_score_at_least_that()
    {
        var client = _factory.CreateAuthenticatedClient();
        var file = CorpusFiles.Of("step")[2];
        var bytes = await File.ReadAllBytesAsync(file);
        var first = await (await client.AnalyzeAsync(Path.GetFileName(file), bytes)).Content.ReadFromJsonAsync<JsonElement>();

        var response = await client.AnalyzeAsync(Path.GetFileName(file), bytes, """{"min_score":0.999}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var second = await response.Content.ReadFromJsonAsync<JsonElement>();
        second.GetProperty("feature_version").GetString().Should().Be("v5");
        var similar = second.GetProperty("similar").EnumerateArray().ToList();
        similar.Should().Contain(s => s.GetProperty("id").GetString() == first.GetProperty("id").GetString(), "the same file scores 1");
        similar.Should().OnlyContain(s => s.GetProperty("score").GetDouble() >= 0.999);
    }

    [Fact]
    public async Task The_metrics_count_requests_rejections_parses_and_extraction()
    {
        var client = _factory.CreateAuthenticatedClient();
        await client.AnalyzeAsync("line.dxf", Encoding.ASCII.GetBytes(Line + " "), """{"feature_version":"v4"}""");
        await client.AnalyzeAsync("drawing.dwg", [1]);

        var text = await client.GetStringAsync("/metrics");

        text.Should().Contain("analysis_requests_total{status=\"ok\"}")
            .And.Contain("analysis_rejections_total{code=\"UNSUPPORTED_INPUT_DWG\"}")
            .And.Contain("cad_parse_duration_seconds_bucket{format=\"dxf\"")
            .And.Contain("feature_extraction_latency_seconds_bucket{version=\"v5\",le=\"0.0005\"}")
            .And.Contain("v4_shape_entropy_bucket")
            .And.Contain("feature_cache_miss_total");
    }
}
