using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>GET /api/v1/fleet on the embedded SQLite store: one process, its own heartbeat row.</summary>
public sealed class FleetViewTests(FleetViewTests.Factory factory) : IClassFixture<FleetViewTests.Factory>
{
    public sealed class Factory : CadMlFactory;

    [Fact]
    public async Task A_single_instance_lists_itself_on_track_stable_with_its_model_and_a_fresh_heartbeat()
    {
        using var client = factory.CreateAuthenticatedClient();
        var view = await Poll.UntilAsync(
            async () => await client.GetFromJsonAsync<JsonElement>("/api/v1/fleet"),
            // The first beat may go out before the model has loaded; a later one carries it.
            body => body.GetProperty("replicas").GetArrayLength() == 1
                && body.GetProperty("replicas")[0].GetProperty("model_sha256").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(20),
            "the instance's own heartbeat row with its model");

        var self = view.GetProperty("replicas")[0];
        self.GetProperty("replica_id").GetString().Should().Be(view.GetProperty("this_replica").GetString());
        self.GetProperty("track").GetString().Should().Be("stable");
        self.GetProperty("stale").GetBoolean().Should().BeFalse();
        self.GetProperty("model_sha256").GetString().Should().HaveLength(64);
        view.GetProperty("stale_after_seconds").GetDouble().Should().Be(10);
    }

    [Fact]
    public async Task The_fleet_view_needs_an_api_key()
    {
        using var anonymous = factory.CreateClient();
        await (await anonymous.GetAsync("/api/v1/fleet")).ShouldBeProblemAsync(System.Net.HttpStatusCode.Unauthorized, "AUTH_MISSING_API_KEY", "auth");
    }
}
