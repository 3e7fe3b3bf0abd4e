using System.Net;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

/// <summary>The analyze response says how far its box can be trusted, and the stored analysis says the same.</summary>
public sealed class BoundsAccuracyTests : IClassFixture<BoundsAccuracyTests.Factory>
{
    private readonly Factory _factory;

    public BoundsAccuracyTests(Factory factory) => _factory = factory;

    public sealed class Factory() : CadMlFactory(null);

    [Fact]
    public async Task A_mesh_box_is_exact_and_a_spline_box_is_approximate_with_its_reason()
    {
        var client = _factory.CreateAuthenticatedClient();
        const string Stl = "solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 3 0 0\nvertex 0 4 5\nendloop\nendfacet\nendsolid t\n";
        const string Spline = "0\nSECTION\n2\nENTITIES\n0\nSPLINE\n8\n0\n70\n8\n71\n3\n72\n8\n73\n4\n40\n0\n40\n0\n40\n0\n40\n0\n40\n1\n40\n1\n40\n1\n40\n1\n"
            + "10\n0\n20\n0\n30\n0\n10\n1\n20\n3\n30\n0\n10\n2\n20\n3\n30\n0\n10\n3\n20\n0\n30\n0\n0\nENDSEC\n0\nEOF\n";

        var mesh = await BboxAsync(client, "tri.stl", Stl);
        var curve = await BboxAsync(client, "curve.dxf", Spline);

        mesh.GetProperty("accuracy").GetString().Should().Be("exact");
        mesh.GetProperty("accuracy_reasons").GetArrayLength().Should().Be(0);
        curve.GetProperty("accuracy").GetString().Should().Be("approximate");
        curve.GetProperty("accuracy_reasons").EnumerateArray().Select(r => r.GetString()).Should().Equal("spline_control_points");
        curve.GetProperty("max_y").GetDouble().Should().Be(3, "the control points, not the curve (which peaks at 2.25)");
    }

    private static async Task<JsonElement> BboxAsync(HttpClient client, string name, string content)
    {
        var response = await client.AnalyzeAsync(name, Encoding.ASCII.GetBytes(content));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        var stored = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/analyze/{body.GetProperty("id").GetString()}")).RootElement;
        stored.GetProperty("document").GetProperty("bbox").ToString().Should().Be(body.GetProperty("document").GetProperty("bbox").ToString(), "the stored analysis keeps the accuracy");
        return body.GetProperty("document").GetProperty("bbox");
    }
}
