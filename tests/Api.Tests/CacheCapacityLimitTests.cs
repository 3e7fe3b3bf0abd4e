using System.Net;
using System.Net.Http.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

public sealed class CacheCapacityLimitTests
{
    [Fact]
    public async Task A_live_capacity_above_the_documented_maximum_is_a_422_naming_the_limit()
    {
        using var factory = new CadMlFactory();
        var admin = factory.CreateAuthenticatedClient(admin: true);

        var response = await admin.PostAsJsonAsync("/api/v1/health/features/cache/apply", new { capacity = 250_001 });

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("max_capacity").GetInt32().Should().Be(250_000);
        var stats = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/health/features/cache");
        stats.GetProperty("capacity").GetInt32().Should().Be(1024, "a refused change changes nothing");
    }
}
