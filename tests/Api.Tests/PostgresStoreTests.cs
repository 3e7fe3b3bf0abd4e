using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests;

/// <summary>
/// The service as an operator runs it on a shared store: a real child process with
/// STORE_BACKEND=postgres against a real PostgreSQL server. Analyses and vectors survive a
/// restart of the service; a stopped server turns requests into 503 problem+json (never 500),
/// and the service recovers by itself once the server is back.
/// </summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly string _dataDir = CadMlFactory.NewDataDir();
    private PostgresServer _postgres = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _url = await _postgres.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Analyses_and_vectors_outlive_a_restart_and_a_stopped_server_is_a_503_the_service_recovers_from()
    {
        var settings = new Dictionary<string, string> { ["STORE_BACKEND"] = "postgres", ["DATABASE_URL"] = _url };
        var file = CorpusFiles.Of("step")[0];
        string analysisId;
        await using (var first = await ServiceProcess.StartAsync(_dataDir, settings))
        {
            using var client = first.CreateClient();
            var analysis = await client.AnalyzeAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file));
            analysis.StatusCode.Should().Be(HttpStatusCode.OK, await analysis.Content.ReadAsStringAsync());
            analysisId = (await analysis.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            (await client.PostAsJsonAsync("/api/v1/vectors", new { id = "pg-part-1", vector = VectorsApiTests.Vector(1) })).StatusCode.Should().Be(HttpStatusCode.Created);
            (await FindSelfAsync(client, "pg-part-1")).Should().Be("pg-part-1");

            var health = await client.GetStringAsync("/health");
            health.Should().Contain("postgres open").And.NotContain("not-a-secret-test-password", "DATABASE_URL's password never leaves the process");
            await first.StopAsync();
        }

        await using var second = await ServiceProcess.StartAsync(_dataDir, settings);
        using var again = second.CreateClient();
        (await again.GetFromJsonAsync<JsonElement>($"/api/v1/analyze/{analysisId}")).GetProperty("id").GetString().Should().Be(analysisId);
        (await again.GetFromJsonAsync<JsonElement>("/api/v1/vectors/pg-part-1")).GetProperty("vector").EnumerateArray()
            .Select(v => v.GetDouble()).Should().Equal(VectorsApiTests.Vector(1));
        (await FindSelfAsync(again, "pg-part-1")).Should().Be("pg-part-1", "the index is rebuilt from the shared store");
        (await FindSelfAsync(again, analysisId)).Should().Be(analysisId);

        using var admin = second.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);
        var backup = await admin.PostAsJsonAsync("/api/v1/store/backup", new { name = "nightly" });
        await backup.ShouldBeProblemAsync(HttpStatusCode.Conflict, "STORE_OPERATION_UNSUPPORTED", "backup");

        await _postgres.StopAsync(immediate: true);
        var write = await again.PostAsJsonAsync("/api/v1/vectors", new { id = "pg-part-2", vector = VectorsApiTests.Vector(2) });
        var body = await write.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE", "store");
        body.GetProperty("context").GetProperty("backend").GetString().Should().Be("postgres");
        body.GetRawText().Should().NotContain("not-a-secret-test-password");
        await (await again.GetAsync("/api/v1/vectors/pg-part-1")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE", "store");
        await (await again.GetAsync($"/api/v1/analyze/{analysisId}")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE", "store");

        await _postgres.StartAgainAsync();
        await Poll.UntilAsync(async () =>
            (await again.PostAsJsonAsync("/api/v1/vectors", new { id = "pg-part-2", vector = VectorsApiTests.Vector(2) })).StatusCode == HttpStatusCode.Created,
            TimeSpan.FromSeconds(30));
        (await FindSelfAsync(again, "pg-part-2")).Should().Be("pg-part-2");
        (await again.GetAsync("/api/v1/vectors/pg-part-1")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static async Task<string?> FindSelfAsync(HttpClient client, string id)
    {
        var search = await client.PostAsJsonAsync("/api/v1/vectors/search", new { id, k = 1, exclude_self = false });
        var body = await search.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("results")[0].GetProperty("id").GetString();
    }
}
