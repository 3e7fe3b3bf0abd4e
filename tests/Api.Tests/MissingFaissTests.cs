using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

public sealed class MissingFaissTests
{
    [Fact]
    public async Task Without_the_faiss_library_the_service_starts_and_answers_searches_exactly()
    {
        var emptyNativeDir = Directory.CreateTempSubdirectory("cadml-no-native").FullName;
        using var factory = new CadMlFactory(new Dictionary<string, string?> { ["CADML_NATIVE_DIR"] = emptyNativeDir });
        var client = factory.CreateAuthenticatedClient();

        (await client.PostAsJsonAsync("/api/v1/vectors", new { id = "a", vector = VectorsApiTests.Vector(1) })).StatusCode.Should().Be(HttpStatusCode.Created);
        (await client.PostAsJsonAsync("/api/v1/vectors", new { id = "b", vector = VectorsApiTests.Vector(2) })).StatusCode.Should().Be(HttpStatusCode.Created);
        var search = await client.PostAsJsonAsync("/api/v1/vectors/search", new { id = "a", k = 5 });

        var body = await search.Content.ReadFromJsonAsync<JsonElement>();
        search.StatusCode.Should().Be(HttpStatusCode.OK);
        body.GetProperty("backend").GetString().Should().Be("exact");
        body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()).Should().Equal("b");
        (await factory.CreateClient().GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK, "exact search keeps the instance ready");
        Directory.Delete(emptyNativeDir, recursive: true);
    }
}
