using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Api.Tests;

public sealed class FeatureCacheTests : IDisposable
{
    private const string Cache = "/api/v1/health/features/cache";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly string _dataDir = CadMlFactory.NewDataDir();
    private readonly List<CadMlFactory> _factories = [];

    public void Dispose()
    {
        foreach (var factory in _factories)
        {
            factory.Dispose();
        }

        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private HttpClient Start(int windowSeconds = 300, int capacity = 1024)
    {
        var factory = new CadMlFactory(new Dictionary<string, string?>
        {
            ["DATA_DIR"] = _dataDir,
            ["CACHE_ROLLBACK_WINDOW_SECONDS"] = windowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FEATURE_CACHE_CAPACITY"] = capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            ConfigureTestServices = services => services.AddSingleton<TimeProvider>(_time),
        };
        _factories.Add(factory);
        return factory.CreateAuthenticatedClient(admin: true);
    }

    private static Task<HttpResponseMessage> Apply(HttpClient client, object body) => client.PostAsJsonAsync($"{Cache}/apply", body);

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task Stats_report_settings_counters_and_no_hit_ratio_before_any_lookup()
    {
        var client = Start();

        var stats = await Json(await client.GetAsync(Cache));

        stats.GetProperty("capacity").GetInt32().Should().Be(1024);
        stats.GetProperty("ttl_seconds").GetInt32().Should().Be(0);
        stats.GetProperty("size").GetInt32().Should().Be(0);
        stats.GetProperty("hit_ratio").ValueKind.Should().Be(JsonValueKind.Null);
        stats.GetProperty("snapshot").ValueKind.Should().Be(JsonValueKind.Null);
        stats.GetProperty("rollback_window_seconds").GetDouble().Should().Be(300);
        stats.GetProperty("evictions").GetProperty("resize").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task Apply_then_second_apply_409_then_rollback_then_apply_again()
    {
        var client = Start();

        var applied = await Json(await Apply(client, new { capacity = 256, ttl_seconds = 60 }));
        applied.GetProperty("status").GetString().Should().Be("applied");
        applied.GetProperty("applied").GetProperty("capacity").GetInt32().Should().Be(256);
        applied.GetProperty("applied").GetProperty("ttl_seconds").GetInt32().Should().Be(60);
        applied.GetProperty("previous").GetProperty("capacity").GetInt32().Should().Be(1024);
        applied.GetProperty("snapshot").GetProperty("previous_capacity").GetInt32().Should().Be(1024);
        applied.GetProperty("snapshot").GetProperty("can_rollback_until").GetDateTimeOffset()
            .Should().Be(_time.GetUtcNow().AddSeconds(300));

        var second = await Apply(client, new { capacity = 128 });
        var conflict = await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "CACHE_ROLLBACK_WINDOW_ACTIVE", "cache_apply");
        conflict.GetProperty("context").GetProperty("can_rollback_until").GetDateTimeOffset().Should().Be(_time.GetUtcNow().AddSeconds(300));

        var rolledBack = await Json(await client.PostAsync($"{Cache}/rollback", null));
        rolledBack.GetProperty("status").GetString().Should().Be("rolled_back");
        rolledBack.GetProperty("restored").GetProperty("capacity").GetInt32().Should().Be(1024);
        rolledBack.GetProperty("restored").GetProperty("ttl_seconds").GetInt32().Should().Be(0);

        (await Json(await client.GetAsync(Cache))).GetProperty("capacity").GetInt32().Should().Be(1024);
        (await Json(await Apply(client, new { capacity = 512 }))).GetProperty("applied").GetProperty("capacity").GetInt32().Should().Be(512);
    }

    [Fact]
    public async Task Rollback_after_the_window_is_409_expired_with_the_time_it_closed()
    {
        var client = Start(windowSeconds: 60);
        await Json(await Apply(client, new { capacity = 10 }));
        var closes = _time.GetUtcNow().AddSeconds(60);

        _time.Advance(TimeSpan.FromSeconds(60));
        var response = await client.PostAsync($"{Cache}/rollback", null);

        var body = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "CACHE_ROLLBACK_EXPIRED", "cache_rollback");
        body.GetProperty("context").GetProperty("expired_at").GetDateTimeOffset().Should().Be(closes);
        (await Json(await client.GetAsync(Cache))).GetProperty("capacity").GetInt32().Should().Be(10, "an expired rollback changes nothing");
    }

    [Fact]
    public async Task Rollback_one_tick_before_the_window_closes_succeeds()
    {
        var client = Start(windowSeconds: 60);
        await Json(await Apply(client, new { capacity = 10 }));

        _time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));

        (await Json(await client.PostAsync($"{Cache}/rollback", null))).GetProperty("restored").GetProperty("capacity").GetInt32().Should().Be(1024);
    }

    [Fact]
    public async Task Rollback_without_a_snapshot_is_404()
    {
        var response = await Start().PostAsync($"{Cache}/rollback", null);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "CACHE_NO_SNAPSHOT", "cache_rollback");
    }

    [Theory]
    [InlineData("""{"capacity":0}""", "capacity")]
    [InlineData("""{"ttl_seconds":-1}""", "ttl_seconds")]
    [InlineData("""{}""", "capacity")]
    [InlineData("""{"capacity":"lots"}""", "capacity")]
    public async Task Invalid_values_are_422_and_change_nothing(string body, string field)
    {
        var client = Start();

        var response = await client.PostAsync($"{Cache}/apply", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, "INPUT_VALIDATION_FAILED", "validation");
        problem.GetProperty("context").GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Should().Contain(field);
        var stats = await Json(await client.GetAsync(Cache));
        stats.GetProperty("capacity").GetInt32().Should().Be(1024);
        stats.GetProperty("snapshot").ValueKind.Should().Be(JsonValueKind.Null, "no window opens");
    }

    [Fact]
    public async Task Cache_operations_need_the_admin_token()
    {
        var factory = new CadMlFactory(new Dictionary<string, string?> { ["DATA_DIR"] = _dataDir });
        _factories.Add(factory);

        var response = await factory.CreateAuthenticatedClient().PostAsJsonAsync($"{Cache}/apply", new { capacity = 5 });

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
    }

    [Fact]
    public async Task The_snapshot_and_live_settings_survive_a_restart_and_can_still_be_rolled_back()
    {
        var first = Start();
        await Json(await Apply(first, new { capacity = 64, ttl_seconds = 30 }));
        _factories[0].Dispose();
        _factories.Clear();

        var second = Start();
        var stats = await Json(await second.GetAsync(Cache));
        stats.GetProperty("capacity").GetInt32().Should().Be(64);
        stats.GetProperty("snapshot").GetProperty("previous_capacity").GetInt32().Should().Be(1024);

        (await Json(await second.PostAsync($"{Cache}/rollback", null))).GetProperty("restored").GetProperty("capacity").GetInt32().Should().Be(1024);
    }

    [Fact]
    public async Task A_changed_configuration_wins_over_a_stored_live_change_after_restart()
    {
        var first = Start();
        await Json(await Apply(first, new { capacity = 64 }));
        _factories[0].Dispose();
        _factories.Clear();

        var second = Start(capacity: 2048);

        var stats = await Json(await second.GetAsync(Cache));
        stats.GetProperty("capacity").GetInt32().Should().Be(2048);
        stats.GetProperty("snapshot").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_corrupt_settings_file_is_quarantined_and_the_service_starts_from_configuration()
    {
        Directory.CreateDirectory(_dataDir);
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "feature_cache_settings.json"), "{ not json");

        var stats = await Json(await Start().GetAsync(Cache));

        stats.GetProperty("capacity").GetInt32().Should().Be(1024);
        Directory.GetFiles(_dataDir, "feature_cache_settings.json.corrupt-*").Should().ContainSingle();
    }

    [Fact]
    public async Task The_state_file_of_earlier_releases_is_imported_once_as_version_1_of_the_store_record_and_then_set_aside()
    {
        Directory.CreateDirectory(_dataDir);
        var until = _time.GetUtcNow().AddMinutes(4).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var applied = _time.GetUtcNow().AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "feature_cache_settings.json"), $$"""
            {
              "schema_version": 1,
              "configured": { "capacity": 1024, "ttl_seconds": 0 },
              "current": { "capacity": 96, "ttl_seconds": 15 },
              "snapshot": {
                "previous": { "capacity": 1024, "ttl_seconds": 0 },
                "applied": { "capacity": 96, "ttl_seconds": 15 },
                "applied_at": "{{applied}}",
                "can_rollback_until": "{{until}}"
              }
            }
            """);

        var client = Start();
        var stats = await Json(await client.GetAsync(Cache));

        stats.GetProperty("capacity").GetInt32().Should().Be(96);
        stats.GetProperty("settings_version").GetInt64().Should().Be(1);
        File.Exists(Path.Combine(_dataDir, "feature_cache_settings.json")).Should().BeFalse();
        File.Exists(Path.Combine(_dataDir, "feature_cache_settings.json.imported")).Should().BeTrue();
        (await Json(await client.PostAsync($"{Cache}/rollback", null))).GetProperty("restored").GetProperty("capacity").GetInt32().Should().Be(1024);
    }
}
