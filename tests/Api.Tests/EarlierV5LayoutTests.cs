using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;
using Microsoft.Data.Sqlite;

namespace CadMl.Api.Tests;

/// <summary>
/// Upgrading a node whose store was written by the release before the drawing stroke slots: its
/// v5 vectors have 73 values where v5 now has 103. A real SQLite store is made to look like that
/// (vectors and analyses cut to 73 values, drawing documents without strokes, no saved index), then
/// a host starts on it. Nothing may crash or answer 500; no old-length vector may reach the index;
/// STEP/STL/IGES vectors reach the current layout exactly (their slots 73-102 are 0 by definition);
/// a drawing's cannot (its strokes were never stored) and is named with the operator's action.
/// </summary>
public sealed class EarlierV5LayoutTests
{
    private const int EarlierLength = 73;
    private const int CurrentLength = 103;

    [Fact]
    public async Task A_store_of_the_earlier_v5_layout_starts_serves_and_migrates_exactly_what_it_can()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            var fresh = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            using (var before = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = dataDir }))
            {
                var client = before.CreateAuthenticatedClient();
                foreach (var format in new[] { "step", "stl", "dxf" })
                {
                    var file = CorpusFiles.Of(format)[0];
                    var analysed = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file), """{"feature_version":"v5"}"""));
                    ids[format] = analysed.GetProperty("id").GetString()!;
                    fresh[format] = Bits(analysed.GetProperty("features").GetProperty("vector"));
                    fresh[format].Should().HaveCount(CurrentLength);
                }
            }

            await MakeEarlierLayoutAsync(dataDir);

            using var after = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = dataDir });
            var reader = after.CreateAuthenticatedClient();
            (await after.CreateClient().GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK, "an earlier-layout row must not stop start-up");

            // Reads of an earlier-layout row: never a 500. A stored analysis shows today's layout where
            // that is exact (STEP, STL) and is refused with the action where it is not (a drawing).
            foreach (var format in new[] { "step", "stl" })
            {
                var analysis = await OkAsync(await reader.GetAsync($"/api/v1/analyze/{ids[format]}"));
                Bits(analysis.GetProperty("features").GetProperty("vector")).Should().Equal(fresh[format]);
            }

            await ShouldBeEarlierLayoutProblemAsync(await reader.GetAsync($"/api/v1/analyze/{ids["dxf"]}"), ids["dxf"]);
            foreach (var id in ids.Values)
            {
                var vector = await reader.GetAsync($"/api/v1/vectors/{id}");
                await ShouldBeEarlierLayoutProblemAsync(vector, id);
                var byId = await reader.PostAsJsonAsync("/api/v1/vectors/search", new { id, k = 3 });
                await ShouldBeEarlierLayoutProblemAsync(byId, id);
            }

            (await reader.GetAsync("/api/v1/vectors")).StatusCode.Should().Be(HttpStatusCode.OK);

            // Prewarm recomputes from the stored documents: the drawing's has no strokes, so its v5
            // would not be the file's and must not be cached for a later upload of the same file.
            var prewarm = await OkAsync(await after.CreateAuthenticatedClient(admin: true).PostAsJsonAsync(
                "/api/v1/health/features/cache/prewarm", new { strategy = "recent" }));
            (prewarm.GetProperty("loaded").GetInt32(), prewarm.GetProperty("skipped").GetInt32()).Should().Be((2, 1));

            // The index holds no old-length vector: a search with a current v5 vector finds none of them.
            var search = await OkAsync(await reader.PostAsJsonAsync("/api/v1/vectors/search",
                new { vector = fresh["step"].Select(BitConverter.Int64BitsToDouble).ToArray(), k = 10 }));
            search.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()).Should().BeEmpty();

            // Counted where an operator looks.
            var metrics = await (await after.CreateClient().GetAsync("/metrics")).Content.ReadAsStringAsync();
            metrics.Should().Contain("vector_store_earlier_layout{version=\"v5\"} 3");

            var preview = await OkAsync(await reader.GetAsync("/api/v1/vectors/migrate/preview?to_version=v5"));
            var items = preview.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
            items[ids["step"]].GetProperty("status").GetString().Should().Be("upgrade_preview");
            items[ids["step"]].GetProperty("method").GetString().Should().Be("pad");
            items[ids["stl"]].GetProperty("method").GetString().Should().Be("pad");
            items[ids["dxf"]].GetProperty("status").GetString().Should().Be("error_preview");
            items[ids["dxf"]].GetProperty("error").GetString().Should().StartWith("cannot be recomputed without the original file");
            preview.GetProperty("migration_feasible").GetBoolean().Should().BeFalse();

            var run = await OkAsync(await after.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate", new { to_version = "v5" }));
            var outcome = run.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!, i => i.GetProperty("status").GetString());
            outcome.Should().BeEquivalentTo(new Dictionary<string, string?> { [ids["step"]] = "migrated", [ids["stl"]] = "migrated", [ids["dxf"]] = "error" });

            foreach (var format in new[] { "step", "stl" })
            {
                var moved = await OkAsync(await reader.GetAsync($"/api/v1/vectors/{ids[format]}"));
                Bits(moved.GetProperty("vector")).Should().Equal(fresh[format], $"a {format} vector padded to 103 slots is its fresh extraction, bit for bit");
            }

            var found = await OkAsync(await reader.PostAsJsonAsync("/api/v1/vectors/search", new { id = ids["step"], k = 10 }));
            found.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()).Should().Contain(ids["stl"]).And.NotContain(ids["dxf"]);
            var counted = await (await after.CreateClient().GetAsync("/metrics")).Content.ReadAsStringAsync();
            counted.Should().Contain("vector_store_earlier_layout{version=\"v5\"} 1");
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    /// <summary>
    /// What the release before the stroke slots left on disk: v5 vectors (the vector rows and the
    /// analyses' copies) of 73 values, drawing digests without strokes, and no index snapshot of the
    /// current dimension (its 73-wide v5 file is refused by the loader's dimension check; here none is kept).
    /// </summary>
    private static async Task MakeEarlierLayoutAsync(string dataDir)
    {
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cadml.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                UPDATE vectors SET vector = substr(vector, 1, {EarlierLength * 8}) WHERE feature_version = 'v5';
                UPDATE analyses SET vector = (SELECT json_group_array(value) FROM (SELECT value FROM json_each(analyses.vector) WHERE key < {EarlierLength} ORDER BY key))
                    WHERE feature_version = 'v5';
                UPDATE analyses SET document = json_remove(document, '$.shape.strokes') WHERE format = 'dxf';
                """;
            await command.ExecuteNonQueryAsync();
        }

        var faiss = Path.Combine(dataDir, "faiss");
        if (Directory.Exists(faiss))
        {
            Directory.Delete(faiss, recursive: true);
        }
    }

    private static async Task ShouldBeEarlierLayoutProblemAsync(HttpResponseMessage response, string id)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Conflict, text);
        using var body = JsonDocument.Parse(text);
        body.RootElement.GetProperty("code").GetString().Should().Be("VECTOR_EARLIER_LAYOUT");
        body.RootElement.GetProperty("context").GetProperty("id").GetString().Should().Be(id);
        body.RootElement.GetProperty("context").GetProperty("values").GetInt32().Should().Be(EarlierLength);
        body.RootElement.GetProperty("context").GetProperty("expected").GetInt32().Should().Be(CurrentLength);
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<long> Bits(JsonElement vector) => [.. vector.EnumerateArray().Select(v => BitConverter.DoubleToInt64Bits(v.GetDouble()))];
}
