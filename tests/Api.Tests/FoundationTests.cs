using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Api.Tests;

public sealed class FoundationTests : IClassFixture<FoundationTests.Factory>
{
    private readonly Factory _factory;

    public FoundationTests(Factory factory) => _factory = factory;

    public sealed class Factory : CadMlFactory
    {
        public Factory() => ConfigureTestServices = services =>
            services.AddControllers().AddApplicationPart(typeof(ProbeController).Assembly);
    }

    [Theory]
    [InlineData("/api/v1/test-probe/open")]
    [InlineData("/api/v1/no-such-route")]
    [InlineData("/API/V1/analyze")]
    public async Task Any_api_route_without_a_key_is_401_missing_key(string path)
    {
        var response = await _factory.CreateClient().GetAsync(path);

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_API_KEY", "auth");
        body.GetProperty("context").GetProperty("header").GetString().Should().Be("X-API-Key");
    }

    [Fact]
    public async Task An_unknown_key_is_401_invalid_key_and_is_not_echoed()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", "not-the-key-but-long-enough");

        var response = await client.GetAsync("/api/v1/test-probe/open");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_INVALID_API_KEY", "auth");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("not-the-key");
    }

    [Theory]
    [InlineData(CadMlFactory.ApiKey)]
    [InlineData(CadMlFactory.RotatedApiKey)]
    public async Task Every_configured_key_is_accepted_so_keys_can_rotate(string key)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", key);

        var response = await client.GetAsync("/api/v1/test-probe/open");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_admin_route_without_a_token_is_401_missing_admin_token()
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsync("/api/v1/test-probe/admin", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
    }

    [Fact]
    public async Task An_admin_route_with_a_wrong_token_is_403_invalid_admin_token()
    {
        var client = _factory.CreateAuthenticatedClient();
        client.DefaultRequestHeaders.Add("X-Admin-Token", "wrong-token-of-good-length");

        var response = await client.PostAsync("/api/v1/test-probe/admin", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "AUTH_INVALID_ADMIN_TOKEN", "auth");
    }

    [Fact]
    public async Task An_admin_route_with_the_token_is_served()
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsync("/api/v1/test-probe/admin", null);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_admin_token_alone_does_not_replace_the_api_key()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);

        var response = await client.PostAsync("/api/v1/test-probe/admin", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_API_KEY", "auth");
    }

    [Fact]
    public async Task A_handler_problem_keeps_its_code_stage_and_context()
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync("/api/v1/test-probe/conflict");

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "CACHE_ROLLBACK_WINDOW_ACTIVE", "cache_apply");
        body.GetProperty("context").GetProperty("can_rollback_until").GetString().Should().Be("2026-11-27T12:05:00Z");
        body.GetProperty("context").GetProperty("limit").GetInt32().Should().Be(3);
        body.GetProperty("title").GetString().Should().Be("Conflict");
    }

    [Fact]
    public async Task Codes_outside_the_result_statuses_get_their_own_http_status()
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync("/api/v1/test-probe/timeout");

        await response.ShouldBeProblemAsync(HttpStatusCode.GatewayTimeout, "PARSE_TIMEOUT", "parse");
    }

    [Fact]
    public async Task An_unhandled_exception_is_500_internal_error_without_details()
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync("/api/v1/test-probe/boom");

        await response.ShouldBeProblemAsync(HttpStatusCode.InternalServerError, "INTERNAL_ERROR", "server");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContain("secret internal detail").And.NotContain("/srv/").And.NotContain("   at ");
    }

    [Fact]
    public async Task A_body_that_does_not_bind_is_422_with_each_field_listed()
    {
        var response = await _factory.CreateAuthenticatedClient().PostAsync(
            "/api/v1/test-probe/typed", new StringContent("""{"capacity":"many"}""", System.Text.Encoding.UTF8, "application/json"));

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        var errors = body.GetProperty("context").GetProperty("errors").EnumerateArray().ToList();
        errors.Should().ContainSingle(e => e.GetProperty("field").GetString() == "capacity");
    }

    [Fact]
    public async Task An_unknown_route_with_a_key_is_404_problem()
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync("/api/v1/no-such-route");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "ROUTE_NOT_FOUND", "routing");
    }

    [Fact]
    public async Task Health_is_200_without_a_key_and_reports_components()
    {
        var response = await _factory.CreateClient().GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("ok");
        body.GetProperty("components").GetProperty("durable_store").GetProperty("status").GetString().Should().Be("ok");
    }

    [Fact]
    public async Task Ready_is_200_when_the_stores_are_open()
    {
        var response = await _factory.CreateClient().GetAsync("/ready");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_expose_http_request_durations_by_route_and_status_without_a_key()
    {
        var client = _factory.CreateClient();
        await client.GetAsync("/health");

        var text = await client.GetStringAsync("/metrics");

        text.Should().Contain("http_request_duration_seconds_bucket{code=\"200\",method=\"GET\",controller=\"Health\",action=\"Health\"");
        text.Should().Contain("cadml_use_case_duration_seconds");
    }

    [Fact]
    public async Task Metrics_stay_in_the_classic_text_format_even_when_openmetrics_is_asked_for()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.ParseAdd("application/openmetrics-text; version=1.0.0");

        var response = await _factory.CreateClient().SendAsync(request);

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain", "Prometheus would reject reference counter names in OpenMetrics");
    }

    [Fact]
    public async Task The_openapi_document_is_served()
    {
        var response = await _factory.CreateClient().GetAsync("/openapi/v1.json");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paths").TryGetProperty("/health", out _).Should().BeTrue();
    }
}
