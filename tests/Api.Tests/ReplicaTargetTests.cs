using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>
/// <c>?replica=</c> / <c>?scope=all</c> of the per-replica admin operations on the single-node SQLite
/// default: without them nothing changes; with them the one node is the whole fleet. The fleet
/// behaviour (forwarding between real replicas) is <see cref="FleetAdminTargetTests"/>.
/// </summary>
public sealed class ReplicaTargetTests(ReplicaTargetTests.Factory factory) : IClassFixture<ReplicaTargetTests.Factory>
{
    public sealed class Factory : CadMlFactory;

    [Fact]
    public async Task Without_a_target_the_single_node_runs_the_operation_itself_and_names_itself()
    {
        using var admin = factory.CreateAuthenticatedClient(admin: true);
        var self = await SelfAsync(admin);
        using var response = await admin.GetAsync("/api/v1/model/opcode-audit");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("X-Replica-Id").Single().Should().Be(self);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mode").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Scope_all_on_one_node_returns_one_result_with_the_operations_own_answer()
    {
        using var admin = factory.CreateAuthenticatedClient(admin: true);
        var self = await SelfAsync(admin);
        using var response = await admin.PostAsJsonAsync("/api/v1/faiss/recover?scope=all", new { force = false });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(text).RootElement;
        body.GetProperty("scope").GetString().Should().Be("all");
        var only = body.GetProperty("replicas").EnumerateArray().Should().ContainSingle().Subject;
        only.GetProperty("replica_id").GetString().Should().Be(self);
        only.GetProperty("status").GetInt32().Should().Be(200);
        // The recover answer itself, captured from the pipeline and nested unchanged.
        only.GetProperty("body").GetProperty("outcome").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Naming_this_replica_runs_here_and_an_unknown_one_is_a_404_listing_the_live_replicas()
    {
        using var admin = factory.CreateAuthenticatedClient(admin: true);
        var self = await SelfAsync(admin);
        using (var here = await admin.GetAsync($"/api/v1/model/opcode-audit?replica={self}"))
        {
            here.StatusCode.Should().Be(HttpStatusCode.OK);
            here.Headers.GetValues("X-Replica-Id").Single().Should().Be(self);
        }

        var unknown = await (await admin.PostAsJsonAsync("/api/v1/faiss/degrade?replica=ghost-1", new { reason = "drill" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "REPLICA_UNKNOWN", "replica_target");
        unknown.GetProperty("context").GetProperty("live_replicas").EnumerateArray().Select(r => r.GetString()).Should().Equal(self);
        // The refused drill did not run here either.
        (await admin.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health")).GetProperty("degraded").GetBoolean().Should().BeFalse();
    }

    [Theory]
    [InlineData("/api/v1/model/opcode-audit?scope=everything")]
    [InlineData("/api/v1/model/opcode-audit?scope=all&replica=x")]
    public async Task A_target_that_is_not_one_replica_or_scope_all_is_a_400(string path)
    {
        using var admin = factory.CreateAuthenticatedClient(admin: true);
        await (await admin.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "REPLICA_REQUIRED", "replica_target");
    }

    [Fact]
    public async Task The_admin_token_is_checked_before_any_target_is_resolved()
    {
        using var client = factory.CreateAuthenticatedClient();
        await (await client.PostAsJsonAsync("/api/v1/faiss/degrade?replica=ghost-1", new { reason = "drill" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
    }

    private static async Task<string> SelfAsync(HttpClient client)
    {
        var view = await Poll.UntilAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/v1/fleet"),
            body => body.GetProperty("replicas").GetArrayLength() == 1,
            TimeSpan.FromSeconds(20),
            "the instance's own heartbeat row");
        return view.GetProperty("this_replica").GetString()!;
    }
}
