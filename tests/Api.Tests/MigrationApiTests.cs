using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Common.Behaviours;
using CadMl.Infrastructure.Tests.Corpus;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Api.Tests;

/// <summary>Migration over HTTP: the issue's worked examples end to end, the contract's errors, and exact recompute on real files.</summary>
public sealed class MigrationApiTests : IClassFixture<MigrationApiTests.Factory>
{
    private readonly Factory _factory;

    public MigrationApiTests(Factory factory) => _factory = factory;

    public sealed class Factory : CadMlFactory;

    // ---- Worked examples: each needs a store of its own. ----

    [Fact]
    public async Task An_empty_store_previews_nulls_and_no_warnings()
    {
        using var factory = new CadMlFactory();

        var preview = await PreviewAsync(factory.CreateAuthenticatedClient(), "v4");

        preview.GetProperty("total_vectors").GetInt64().Should().Be(0);
        preview.GetProperty("sampled").GetInt32().Should().Be(0);
        preview.GetProperty("items").GetArrayLength().Should().Be(0);
        preview.GetProperty("avg_delta").ValueKind.Should().Be(JsonValueKind.Null);
        preview.GetProperty("median_delta").ValueKind.Should().Be(JsonValueKind.Null);
        preview.GetProperty("warnings").GetArrayLength().Should().Be(0);
        preview.GetProperty("migration_feasible").GetBoolean().Should().BeTrue();
        Changes(preview).Should().Be((0, 0, 0));
    }

    [Fact]
    public async Task Two_v1_vectors_to_v4_both_upgrade_7_to_24_by_17_with_a_growth_spike()
    {
        using var factory = new CadMlFactory();
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "one", "v1", 7);
        await RegisterAsync(client, "two", "v1", 7);

        var preview = await PreviewAsync(client, "v4");

        preview.GetProperty("items").EnumerateArray().Should().HaveCount(2).And.OnlyContain(i =>
            i.GetProperty("status").GetString() == "upgrade_preview"
            && i.GetProperty("from_version").GetString() == "v1" && i.GetProperty("to_version").GetString() == "v4"
            && i.GetProperty("dimension_before").GetInt32() == 7 && i.GetProperty("dimension_after").GetInt32() == 24
            && i.GetProperty("method").GetString() == "pad" && i.GetProperty("error").ValueKind == JsonValueKind.Null);
        preview.GetProperty("avg_delta").GetDouble().Should().Be(17);
        preview.GetProperty("median_delta").GetDouble().Should().Be(17);
        Warnings(preview).Should().Equal("growth_spike");
        preview.GetProperty("migration_feasible").GetBoolean().Should().BeTrue();
        preview.GetProperty("by_version").GetProperty("v1").GetInt64().Should().Be(2);
    }

    [Fact]
    public async Task V3_v4_and_v2_to_v4_change_two_keep_one_with_average_and_median_7()
    {
        using var factory = new CadMlFactory();
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "three", "v3", 22);
        await RegisterAsync(client, "four", "v4", 24);
        await RegisterAsync(client, "two", "v2", 12);

        var preview = await PreviewAsync(client, "v4");

        Changes(preview).Should().Be((2, 0, 1));
        preview.GetProperty("avg_delta").GetDouble().Should().Be(7);
        preview.GetProperty("median_delta").GetDouble().Should().Be(7);
        Warnings(preview).Should().BeEmpty();
        preview.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString())
            .Should().Equal("upgrade_preview", "skipped", "upgrade_preview");
    }

    [Fact]
    public async Task Two_v4_vectors_to_v1_are_not_feasible_with_the_50_percent_warning_and_negative_skew()
    {
        using var factory = new CadMlFactory();
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "a", "v4", 24);
        await RegisterAsync(client, "b", "v4", 24);

        var preview = await PreviewAsync(client, "v1");

        preview.GetProperty("migration_feasible").GetBoolean().Should().BeFalse();
        Warnings(preview).Should().Contain("more than 50% of sampled vectors would lose dimensions").And.Contain("large_negative_skew");
        preview.GetProperty("median_delta").GetDouble().Should().Be(-17);
        preview.GetProperty("items").EnumerateArray().Should().OnlyContain(i =>
            i.GetProperty("status").GetString() == "downgrade_preview" && i.GetProperty("method").GetString() == "truncate");
        Changes(preview).Should().Be((0, 2, 0));
    }

    [Fact]
    public async Task A_vector_whose_length_does_not_match_its_version_is_an_error_preview_with_the_reason()
    {
        using var factory = new CadMlFactory();
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "legacy", "v3", 22);
        // What no API accepts: a legacy row that declares v3 but holds 7 values.
        await OverwriteValuesAsync(factory, "legacy", new double[7]);

        var preview = await PreviewAsync(client, "v4");

        var item = preview.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("status").GetString().Should().Be("error_preview");
        item.GetProperty("error").GetString().Should().Be("vector has 7 values but v3 has 22");
        item.GetProperty("dimension_before").GetInt32().Should().Be(7);
        item.GetProperty("method").ValueKind.Should().Be(JsonValueKind.Null);
        Warnings(preview).Should().Equal("legacy: vector has 7 values but v3 has 22");
        preview.GetProperty("migration_feasible").GetBoolean().Should().BeFalse();
        preview.GetProperty("avg_delta").ValueKind.Should().Be(JsonValueKind.Null);
    }

    // ---- Exact recompute on real files. ----

    [Theory]
    [InlineData("dxf")]
    [InlineData("stl")]
    [InlineData("step")]
    [InlineData("iges")]
    public async Task A_recomputed_v4_vector_equals_a_fresh_v4_extraction_of_the_same_file_bit_for_bit(string format)
    {
        var client = _factory.CreateAuthenticatedClient();
        var file = CorpusFiles.Of(format)[0];
        var bytes = await File.ReadAllBytesAsync(file);
        var atV3 = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), bytes, """{"feature_version":"v3"}"""));
        var id = atV3.GetProperty("id").GetString()!;

        var run = await OkAsync(await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate", new { ids = new[] { id }, to_version = "v4" }));
        var atV4 = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), bytes, """{"feature_version":"v4"}"""));

        var item = run.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("status").GetString().Should().Be("migrated");
        item.GetProperty("method").GetString().Should().Be("recompute");
        var migrated = await OkAsync(await client.GetAsync($"/api/v1/vectors/{id}"));
        migrated.GetProperty("feature_version").GetString().Should().Be("v4");
        Bits(migrated.GetProperty("vector")).Should().Equal(Bits(atV4.GetProperty("features").GetProperty("vector")));
        atV4.GetProperty("features").GetProperty("cache_hit").GetBoolean().Should().BeFalse("the comparison is with a fresh extraction");
    }

    // ---- Migration to v5: only from a stored document that carries the shape digest. ----

    [Theory]
    [InlineData("dxf")]
    [InlineData("stl")]
    [InlineData("step")]
    [InlineData("iges")]
    public async Task A_v4_analysis_migrates_to_v5_by_recompute_equal_to_a_fresh_v5_extraction_bit_for_bit(string format)
    {
        var client = _factory.CreateAuthenticatedClient();
        var file = CorpusFiles.Of(format)[1];
        var bytes = await File.ReadAllBytesAsync(file);
        var atV4 = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), bytes, """{"feature_version":"v4"}"""));
        var id = atV4.GetProperty("id").GetString()!;

        var run = await OkAsync(await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate", new { ids = new[] { id }, to_version = "v5" }));
        var atV5 = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), bytes, """{"feature_version":"v5"}"""));

        var item = run.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("status").GetString().Should().Be("migrated");
        item.GetProperty("method").GetString().Should().Be("recompute");
        var migrated = await OkAsync(await client.GetAsync($"/api/v1/vectors/{id}"));
        migrated.GetProperty("feature_version").GetString().Should().Be("v5");
        Bits(migrated.GetProperty("vector")).Should().Equal(Bits(atV5.GetProperty("features").GetProperty("vector")));
    }

    [Fact]
    public async Task Records_that_cannot_reach_v5_without_their_file_are_counted_named_and_left_untouched()
    {
        using var factory = new CadMlFactory();
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "bare", "v4", 24);
        var file = CorpusFiles.Of("step")[0];
        var analysed = await OkAsync(await client.AnalyzeAsync(Path.GetFileName(file), await File.ReadAllBytesAsync(file), """{"feature_version":"v4"}"""));
        var old = analysed.GetProperty("id").GetString()!;
        await ForgetShapeAsync(factory, old);

        var preview = await PreviewAsync(client, "v5");

        var items = preview.GetProperty("items").EnumerateArray().ToList();
        items.Should().HaveCount(2).And.OnlyContain(i => i.GetProperty("status").GetString() == "error_preview"
            && i.GetProperty("error").GetString()!.StartsWith("cannot be recomputed without the original file", StringComparison.Ordinal));
        items.Select(i => i.GetProperty("id").GetString()).Should().BeEquivalentTo("bare", old);
        Warnings(preview).Should().Contain("2 record(s) cannot be recomputed without the original file: analyze their files again to move them to v5");
        preview.GetProperty("migration_feasible").GetBoolean().Should().BeFalse();

        var before = await OkAsync(await client.GetAsync($"/api/v1/vectors/{old}"));
        var run = await OkAsync(await factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate", new { to_version = "v5" }));
        run.GetProperty("items").EnumerateArray().Should().OnlyContain(i => i.GetProperty("status").GetString() == "error");
        var after = await OkAsync(await client.GetAsync($"/api/v1/vectors/{old}"));
        after.GetProperty("feature_version").GetString().Should().Be("v4");
        Bits(after.GetProperty("vector")).Should().Equal(Bits(before.GetProperty("vector")));
    }

    // ---- The contract's edges. ----

    [Theory]
    [InlineData("to_version=v9")]
    [InlineData("to_version=")]
    [InlineData("limit=5")]
    public async Task A_bad_or_missing_to_version_is_422_with_the_allowed_versions_in_context(string query)
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync($"/api/v1/vectors/migrate/preview?{query}");

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("allowed").EnumerateArray().Select(v => v.GetString()).Should().Equal("v1", "v2", "v3", "v4", "v5");
        var error = body.GetProperty("context").GetProperty("errors").EnumerateArray().Single();
        error.GetProperty("field").GetString().Should().Be("to_version");
        error.GetProperty("allowed").GetArrayLength().Should().Be(5);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("ten")]
    public async Task A_limit_outside_1_to_100_is_422(string limit)
    {
        var response = await _factory.CreateAuthenticatedClient().GetAsync($"/api/v1/vectors/migrate/preview?to_version=v4&limit={limit}");

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("limit");
    }

    [Fact]
    public async Task The_preview_samples_10_by_default_and_up_to_the_limit_asked()
    {
        var client = _factory.CreateAuthenticatedClient();
        for (var i = 0; i < 12; i++)
        {
            await RegisterAsync(client, $"sample-{i}", "v3", 22);
        }

        (await PreviewAsync(client, "v4")).GetProperty("sampled").GetInt32().Should().Be(10);
        (await OkAsync(await client.GetAsync("/api/v1/vectors/migrate/preview?to_version=v4&limit=5"))).GetProperty("items").GetArrayLength().Should().Be(5);
        (await OkAsync(await client.GetAsync("/api/v1/vectors/migrate/preview?to_version=V4&limit=100"))).GetProperty("sampled").GetInt32().Should().BeGreaterThanOrEqualTo(12);
    }

    [Fact]
    public async Task Migrating_needs_the_admin_token_and_previewing_needs_the_api_key()
    {
        await (await _factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/vectors/migrate", new { to_version = "v4" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
        await (await _factory.CreateClient().GetAsync("/api/v1/vectors/migrate/preview?to_version=v4"))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_API_KEY", "auth");
        await (await _factory.CreateClient().GetAsync("/api/v1/vectors/migrate/status"))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_API_KEY", "auth");
    }

    [Theory]
    [InlineData("""{"ids":[],"to_version":"v4"}""", "ids")]
    [InlineData("""{"to_version":"v4","batch_size":0}""", "batch_size")]
    [InlineData("""{"to_version":"v4","batch_size":10001}""", "batch_size")]
    [InlineData("""{"dry_run":true}""", "to_version")]
    public async Task A_bad_migrate_body_is_422_naming_the_field(string json, string field)
    {
        var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsync("/api/v1/vectors/migrate",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be(field);
    }

    [Fact]
    public async Task The_migration_routes_are_not_taken_for_vector_ids_and_a_vector_named_migrate_is_still_reachable()
    {
        var client = _factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "migrate", "v4", 24);

        (await OkAsync(await client.GetAsync("/api/v1/vectors/migrate"))).GetProperty("id").GetString().Should().Be("migrate");
        (await OkAsync(await client.GetAsync("/api/v1/vectors/migrate/status"))).TryGetProperty("runs", out _).Should().BeTrue();
        (await OkAsync(await client.GetAsync("/api/v1/vectors/migrate/preview?to_version=v4"))).TryGetProperty("sampled", out _).Should().BeTrue();
        var run = await OkAsync(await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate",
            new { ids = new[] { "migrate" }, to_version = "v4", dry_run = true }));
        run.GetProperty("items")[0].GetProperty("status").GetString().Should().Be("skipped");
    }

    [Fact]
    public async Task A_migration_answers_with_items_totals_and_times_and_the_status_shows_it_with_counts_by_version()
    {
        var admin = _factory.CreateAuthenticatedClient(admin: true);
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await RegisterAsync(admin, $"{prefix}-a", "v2", 12);
        await RegisterAsync(admin, $"{prefix}-b", "v4", 24);

        var run = await OkAsync(await admin.PostAsJsonAsync("/api/v1/vectors/migrate",
            new { ids = new[] { $"{prefix}-a", $"{prefix}-b", $"{prefix}-none" }, to_version = "v3", batch_size = 2 }));
        var status = await OkAsync(await admin.GetAsync("/api/v1/vectors/migrate/status"));

        run.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("status").GetString()).Should().Equal("migrated", "downgraded", "not_found");
        var totals = run.GetProperty("totals");
        (totals.GetProperty("processed").GetInt64(), totals.GetProperty("migrated").GetInt64(), totals.GetProperty("downgraded").GetInt64(),
            totals.GetProperty("not_found").GetInt64()).Should().Be((3, 1, 1, 1));
        run.GetProperty("batches").GetInt32().Should().Be(2);
        run.GetProperty("dry_run").GetBoolean().Should().BeFalse();
        DateTimeOffset.Parse(run.GetProperty("finished_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeOnOrAfter(DateTimeOffset.Parse(run.GetProperty("started_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        status.GetProperty("running").ValueKind.Should().Be(JsonValueKind.Null);
        status.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("migration_id").GetString()).Should().Contain(run.GetProperty("migration_id").GetString());
        status.GetProperty("by_version").GetProperty("v3").GetInt64().Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_migration_while_another_runs_is_409_MIGRATION_IN_PROGRESS()
    {
        var gate = _factory.Services.GetRequiredService<ExclusiveGates>().For("vector-migration");
        await gate.WaitAsync();
        try
        {
            var response = await _factory.CreateAuthenticatedClient(admin: true).PostAsJsonAsync("/api/v1/vectors/migrate", new { to_version = "v4", dry_run = true });

            var body = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "MIGRATION_IN_PROGRESS", "exclusive");
            body.GetProperty("context").GetProperty("operation").GetString().Should().Be("vector-migration");
        }
        finally
        {
            gate.Release();
        }
    }

    [Fact]
    public async Task The_metrics_show_migrated_vectors_and_the_reference_delta_buckets()
    {
        var admin = _factory.CreateAuthenticatedClient(admin: true);
        await RegisterAsync(admin, "metrics-a", "v1", 7);
        (await admin.PostAsJsonAsync("/api/v1/vectors/migrate", new { ids = new[] { "metrics-a" }, to_version = "v2" })).EnsureSuccessStatusCode();

        var metrics = await _factory.CreateClient().GetStringAsync("/metrics");

        metrics.Should().Contain("vector_migrate_total{status=\"migrated\"}").And.Contain("vector_migrate_duration_seconds_count");
        var buckets = metrics.Split('\n').Where(l => l.StartsWith("vector_migrate_dimension_delta_bucket", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.IndexOf("\"}", StringComparison.Ordinal)]);
        buckets.Should().Equal("-20", "-10", "-5", "-2", "-1", "0", "1", "2", "5", "10", "20", "50", "100", "+Inf");
    }

    private static async Task<JsonElement> PreviewAsync(HttpClient client, string version) =>
        await OkAsync(await client.GetAsync($"/api/v1/vectors/migrate/preview?to_version={version}"));

    private static async Task RegisterAsync(HttpClient client, string id, string version, int dimension)
    {
        var values = Enumerable.Range(1, dimension).Select(i => i / 10.0).ToArray();
        var response = await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector = values, feature_version = version });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task OverwriteValuesAsync(CadMlFactory factory, string id, double[] values)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(factory.DataDir, "cadml.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE vectors SET vector = $vector WHERE id = $id;";
        command.Parameters.AddWithValue("$vector", MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        command.Parameters.AddWithValue("$id", id);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    /// <summary>Makes a stored analysis look like one saved before v5 existed: its document without the shape digest.</summary>
    private static async Task ForgetShapeAsync(CadMlFactory factory, string id)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(factory.DataDir, "cadml.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE analyses SET document = json_remove(document, '$.shape') WHERE id = $id AND json_extract(document, '$.shape') IS NOT NULL;";
        command.Parameters.AddWithValue("$id", id);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    private static (int Positive, int Negative, int Zero) Changes(JsonElement preview)
    {
        var changes = preview.GetProperty("estimated_dimension_changes");
        return (changes.GetProperty("positive").GetInt32(), changes.GetProperty("negative").GetInt32(), changes.GetProperty("zero").GetInt32());
    }

    private static List<string?> Warnings(JsonElement preview) => [.. preview.GetProperty("warnings").EnumerateArray().Select(w => w.GetString())];

    private static List<long> Bits(JsonElement vector) => [.. vector.EnumerateArray().Select(v => BitConverter.DoubleToInt64Bits(v.GetDouble()))];
}
