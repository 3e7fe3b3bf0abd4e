using System.Net;
using System.Text;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Api.Tests;

public sealed class DurabilityTests
{
    [Fact]
    public async Task An_acknowledged_analysis_survives_kill_9_and_a_restart()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            const string Dxf = "0\nSECTION\n2\nENTITIES\n0\nCIRCLE\n8\nA\n10\n5\n20\n5\n30\n0\n40\n2\n0\nENDSEC\n0\nEOF\n";
            string id, vector;
            await using (var first = await ServiceProcess.StartAsync(dataDir))
            {
                using var client = first.CreateClient();
                var response = await client.AnalyzeAsync("circle.dxf", Encoding.ASCII.GetBytes(Dxf));
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.Should().Be(HttpStatusCode.OK, text);
                var body = JsonDocument.Parse(text).RootElement;
                id = body.GetProperty("id").GetString()!;
                vector = body.GetProperty("features").GetProperty("vector").ToString();

                // Immediately after the 200: anything not yet on disk is lost now.
                await first.KillAsync();
            }

            await using var second = await ServiceProcess.StartAsync(dataDir);
            using var again = second.CreateClient();
            var stored = await again.GetAsync($"/api/v1/analyze/{id}");
            var storedText = await stored.Content.ReadAsStringAsync();
            stored.StatusCode.Should().Be(HttpStatusCode.OK, storedText);
            JsonDocument.Parse(storedText).RootElement.GetProperty("features").GetProperty("vector").ToString().Should().Be(vector);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
