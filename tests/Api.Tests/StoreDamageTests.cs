using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace CadMl.Api.Tests;

/// <summary>
/// Corruption that appears while the service runs (a page damaged under it): every read answers
/// 200 or 503 <c>STORE_DAMAGED</c>, never 500; the store is marked damaged at the first error,
/// /ready turns 503 and /health names the reason. The admin integrity check finds the damage too.
/// </summary>
public sealed class StoreDamageTests
{
    [Theory]
    [InlineData("vectors")]
    [InlineData("sqlite_autoindex_vectors_1")]
    public async Task A_page_damaged_at_run_time_marks_the_store_damaged_and_no_read_answers_500(string btree)
    {
        using var factory = new CadMlFactory();
        using var client = factory.CreateAuthenticatedClient();
        (await client.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        await StoreStartupTests.RegisterAsync(client, 0, 200);
        await DamageAsync(Path.Combine(factory.DataDir, "cadml.db"), btree);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 400; i++)
        {
            var response = await client.GetAsync($"/api/v1/vectors/v-{i % 200}");
            statuses.Add(response.StatusCode);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "STORE_DAMAGED", "store");
            }
        }

        statuses.Should().NotContain(HttpStatusCode.InternalServerError).And.Contain(HttpStatusCode.ServiceUnavailable);
        (await client.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        health.GetProperty("status").GetString().Should().Be("degraded");
        health.GetProperty("reasons")[0].GetString().Should().StartWith("durable_store: STORE_DAMAGED");
        (await client.GetStringAsync("/metrics")).Should().Contain("store_damaged 1").And.Contain("store_damage_detected_total{source=\"request\"} 1");
    }

    [Fact]
    public async Task The_admin_integrity_check_reports_ok_on_a_sound_store_and_damage_on_a_damaged_one()
    {
        using var factory = new CadMlFactory();
        using var admin = factory.CreateAuthenticatedClient(admin: true);
        await StoreStartupTests.RegisterAsync(admin, 0, 200);

        var sound = await admin.PostAsync("/api/v1/store/integrity-check", null);
        sound.StatusCode.Should().Be(HttpStatusCode.OK);
        var report = await sound.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("result").GetString().Should().Be("ok");
        report.GetProperty("errors").GetArrayLength().Should().Be(0);

        await DamageAsync(Path.Combine(factory.DataDir, "cadml.db"), "ix_vectors_material");
        var damaged = await (await admin.PostAsync("/api/v1/store/integrity-check", null)).Content.ReadFromJsonAsync<JsonElement>();
        damaged.GetProperty("result").GetString().Should().Be("damaged");
        damaged.GetProperty("errors").GetArrayLength().Should().BeGreaterThan(0);
        damaged.GetProperty("store").GetString().Should().Be("damaged");
        (await admin.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var metrics = await admin.GetStringAsync("/metrics");
        metrics.Should().Contain("store_integrity_check_total{kind=\"full\",result=\"ok\"} 1")
            .And.Contain("store_integrity_check_total{kind=\"full\",result=\"damaged\"} 1");
    }

    [Fact]
    public async Task The_integrity_check_and_backup_are_admin_only()
    {
        using var factory = new CadMlFactory();
        using var client = factory.CreateAuthenticatedClient();

        await (await client.PostAsync("/api/v1/store/integrity-check", null))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
        await (await client.PostAsJsonAsync("/api/v1/store/backup", new { name = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData(".hidden")]
    [InlineData("")]
    public async Task A_backup_name_that_is_not_a_plain_file_name_is_refused(string name)
    {
        using var factory = new CadMlFactory();
        using var admin = factory.CreateAuthenticatedClient(admin: true);

        var response = await admin.PostAsJsonAsync("/api/v1/store/backup", new { name });

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        body.GetProperty("context").GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("name");
        Directory.Exists(Path.Combine(factory.DataDir, "backups")).Should().BeFalse();
    }

    [Fact]
    public async Task A_backup_is_never_overwritten()
    {
        using var factory = new CadMlFactory();
        using var admin = factory.CreateAuthenticatedClient(admin: true);

        (await admin.PostAsJsonAsync("/api/v1/store/backup", new { name = "once" })).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await admin.PostAsJsonAsync("/api/v1/store/backup", new { name = "once" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "BACKUP_EXISTS", "backup");
    }

    /// <summary>
    /// Moves the committed pages into the main file, damages one b-tree's root page there, and
    /// drops pooled connections so the service reads the page from disk rather than from a cache.
    /// </summary>
    private static async Task DamageAsync(string database, string btree)
    {
        // Every page must be in the main file before one is garbled there: a page the WAL still holds
        // is read from the WAL, and the damage would never be seen. A checkpoint that meets the
        // service's own reader (a background poll) answers busy instead of failing, so probe until
        // one is complete (bounded).
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await Poll.UntilAsync(
                () =>
                {
                    using var result = checkpoint.ExecuteReader();
                    result.Read();
                    return result.GetInt64(0) == 0;  // busy = 0: the WAL was copied back and truncated
                },
                TimeSpan.FromSeconds(10));
        }

        StoreDamage.GarbleRootPage(database, btree);
        SqliteConnection.ClearAllPools();
    }
}
