using System.Net;
using System.Text;
using System.Text.Json;
using System.Net.Http.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using Microsoft.Data.Sqlite;

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

    /// <summary>
    /// An analysis left without its vector (what a crash between the two separate writes of older
    /// versions did) gets its vector back at start-up, searchable; a vector deleted through the API
    /// stays deleted.
    /// </summary>
    [Fact]
    public async Task The_start_up_sweep_repairs_an_orphan_analysis_but_not_a_deliberate_deletion()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var files = CorpusFiles.Of("dxf").Take(2).ToList();
            string orphan, deleted;
            await using (var first = await ServiceProcess.StartAsync(dataDir))
            {
                using var client = first.CreateClient();
                orphan = await AnalyzeAsync(client, files[0]);
                deleted = await AnalyzeAsync(client, files[1]);
                using var admin = first.CreateClient();
                admin.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);
                (await admin.DeleteAsync($"/api/v1/vectors/{deleted}")).StatusCode.Should().Be(HttpStatusCode.OK);
            }

            using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cadml.db")};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "DELETE FROM vectors WHERE id = $id;";
                command.Parameters.AddWithValue("$id", orphan);
                command.ExecuteNonQuery().Should().Be(1);
            }

            await using var second = await ServiceProcess.StartAsync(dataDir);
            using var again = second.CreateClient();
            var repaired = await again.GetAsync($"/api/v1/vectors/{orphan}");
            repaired.StatusCode.Should().Be(HttpStatusCode.OK, await repaired.Content.ReadAsStringAsync());
            var search = await again.PostAsJsonAsync("/api/v1/vectors/search", new { id = orphan, k = 1, exclude_self = false });
            (await search.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("id").GetString().Should().Be(orphan);
            (await again.GetAsync($"/api/v1/vectors/{deleted}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> AnalyzeAsync(HttpClient client, string file)
    {
        var response = await client.AnalyzeAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }
}
