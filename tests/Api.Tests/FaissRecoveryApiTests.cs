using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests;

/// <summary>
/// Degradation and recovery end to end. Time is a FakeTimeProvider shared by the whole host, so
/// "one recovery interval", backoff and suppression are exact, and the recovery loop only moves
/// when a test advances the clock.
/// </summary>
public sealed class FaissRecoveryApiTests
{
    private static readonly string RealNativeLibrary = Path.Combine(RepositoryPaths.Root, "artifacts", "native", "libcadml_faiss.so");

    [Fact]
    public async Task With_the_shim_missing_at_start_search_is_exact_and_health_degraded_then_it_restores_within_one_interval_once_the_shim_appears()
    {
        File.Exists(RealNativeLibrary).Should().BeTrue("build/native must have built the shim");
        var nativeDir = Directory.CreateTempSubdirectory("cadml-native-late").FullName;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = Factory(time, new() { ["CADML_NATIVE_DIR"] = nativeDir, ["FAISS_RECOVERY_INTERVAL_SECONDS"] = "30" });
        var client = factory.CreateAuthenticatedClient();
        await RegisterAsync(client, "a", 1);
        await RegisterAsync(client, "b", 2);

        (await SearchBackendAsync(client)).Should().Be("exact");
        var degraded = await HealthAsync(client);
        degraded.GetProperty("degraded").GetBoolean().Should().BeTrue();
        degraded.GetProperty("reason").GetString().Should().StartWith("faiss_library_unavailable");
        degraded.GetProperty("backend").GetString().Should().Be("exact");
        degraded.GetProperty("next_recovery_in_seconds").GetDouble().Should().BeApproximately(30, 3.01, "first attempt one interval (±10% jitter) after degrading");
        var eta = degraded.GetProperty("next_recovery_eta").GetInt64();
        eta.Should().BeCloseTo(time.GetUtcNow().ToUnixTimeSeconds() + 30, 4);

        File.Copy(RealNativeLibrary, Path.Combine(nativeDir, "libcadml_faiss.so"));
        time.Advance(TimeSpan.FromSeconds(33));

        var restored = await PollHealthAsync(client, h => !h.GetProperty("degraded").GetBoolean());
        restored.GetProperty("backend").GetString().Should().Be("faiss");
        restored.GetProperty("degradation_history")[0].GetProperty("event").GetString().Should().Be("restored");
        restored.GetProperty("degradation_history_count").GetInt32().Should().Be(2);
        restored.GetProperty("next_recovery_eta").ValueKind.Should().Be(JsonValueKind.Null);
        (await SearchBackendAsync(client)).Should().Be("faiss");
        var metrics = await factory.CreateClient().GetStringAsync("/metrics");
        Sample(metrics, "faiss_recovery_attempts_total{result=\"success\"}").Should().Be(1);
        Sample(metrics, "similarity_degraded_total{event=\"restored\"}").Should().Be(1);
        Directory.Delete(nativeDir, recursive: true);
    }

    [Fact]
    public async Task A_drill_degrades_a_manual_recovery_restores_after_it_and_the_metrics_move()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = Factory(time, LongInterval);
        var admin = factory.CreateAuthenticatedClient(admin: true);
        await RegisterAsync(admin, "x", 3);

        await (await factory.CreateAuthenticatedClient().PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "drill" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "AUTH_MISSING_ADMIN_TOKEN", "auth");
        var drill = await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "staging", duration_seconds = 60 });
        drill.StatusCode.Should().Be(HttpStatusCode.OK);
        (await drill.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString().Should().Be("drill: staging");
        (await SearchBackendAsync(admin)).Should().Be("exact");

        var early = await RecoverAsync(admin);
        early.GetProperty("outcome").GetString().Should().Be("still_degraded");
        early.GetProperty("error").GetString().Should().StartWith("drill active until");

        time.Advance(TimeSpan.FromSeconds(61));
        var during = await factory.CreateClient().GetStringAsync("/metrics");
        Sample(during, "faiss_degraded_duration_seconds").Should().BeApproximately(61, 0.5);
        Sample(during, "faiss_next_recovery_eta_seconds").Should().BeInRange(1, 1500, "seconds remaining, never an epoch");

        var recovered = await RecoverAsync(admin);
        recovered.GetProperty("outcome").GetString().Should().Be("restored");
        (await SearchBackendAsync(admin)).Should().Be("faiss");
        (await RecoverAsync(admin)).GetProperty("outcome").GetString().Should().Be("not_degraded");

        var metrics = await factory.CreateClient().GetStringAsync("/metrics");
        Sample(metrics, "similarity_degraded_total{event=\"degraded\"}").Should().Be(1);
        Sample(metrics, "similarity_degraded_total{event=\"restored\"}").Should().Be(1);
        Sample(metrics, "faiss_recovery_attempts_total{result=\"error\"}").Should().Be(1);
        Sample(metrics, "faiss_recovery_attempts_total{result=\"success\"}").Should().Be(1);
        Sample(metrics, "faiss_recovery_duration_seconds_count").Should().Be(1);
        Sample(metrics, "faiss_recovery_duration_seconds_sum").Should().BeApproximately(61, 0.5);
        Sample(metrics, "faiss_degraded_duration_seconds").Should().Be(0);
        Sample(metrics, "faiss_next_recovery_eta_seconds").Should().Be(0);
        Sample(metrics, "faiss_recovery_state_backend{backend=\"file\"}").Should().Be(1);
    }

    [Fact]
    public async Task Flapping_opens_suppression_recover_without_force_is_409_with_the_remaining_time_and_after_it_recovery_works()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = Factory(time, LongInterval);
        var admin = factory.CreateAuthenticatedClient(admin: true);
        await FlapAsync(admin, time);

        var health = await HealthAsync(admin);
        health.GetProperty("suppression_remaining_seconds").GetDouble().Should().Be(298);
        var refused = await admin.PostAsJsonAsync("/api/v1/faiss/recover", new { force = false });
        var body = await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "RECOVERY_SUPPRESSED", "recovery");
        body.GetProperty("context").GetProperty("suppressed_until_ts").GetInt64().Should().Be(health.GetProperty("suppressed_until_ts").GetInt64());
        body.GetProperty("context").GetProperty("suppression_remaining_seconds").GetDouble().Should().Be(298);
        var metrics = await factory.CreateClient().GetStringAsync("/metrics");
        Sample(metrics, "faiss_recovery_suppressed_total{reason=\"flapping\"}").Should().Be(1);
        Sample(metrics, "faiss_recovery_suppression_remaining_seconds").Should().Be(298);

        time.Advance(TimeSpan.FromSeconds(298));
        (await RecoverAsync(admin)).GetProperty("outcome").GetString().Should().Be("restored");
    }

    [Fact]
    public async Task Force_overrides_a_flap_suppression()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = Factory(time, LongInterval);
        var admin = factory.CreateAuthenticatedClient(admin: true);
        await FlapAsync(admin, time);

        var forced = await admin.PostAsJsonAsync("/api/v1/faiss/recover", new { force = true });

        (await forced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString().Should().Be("restored");
    }

    [Fact]
    public async Task A_restart_keeps_the_degraded_state_its_history_and_the_suppression()
    {
        var dataDir = Directory.CreateTempSubdirectory("cadml-restart").FullName;
        var settings = new Dictionary<string, string?>(LongInterval) { ["DATA_DIR"] = dataDir };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        JsonElement before;
        using (var first = Factory(time, settings))
        {
            var admin = first.CreateAuthenticatedClient(admin: true);
            await RegisterAsync(admin, "kept", 4);
            await FlapAsync(admin, time);
            before = await HealthAsync(admin);
        }

        using var second = Factory(new FakeTimeProvider(time.GetUtcNow()), settings);
        var client = second.CreateAuthenticatedClient();
        var after = await HealthAsync(client);

        after.GetProperty("degraded").GetBoolean().Should().BeTrue();
        after.GetProperty("reason").GetString().Should().Be(before.GetProperty("reason").GetString());
        after.GetProperty("degraded_since").GetString().Should().Be(before.GetProperty("degraded_since").GetString());
        after.GetProperty("degradation_history_count").GetInt32().Should().Be(3);
        after.GetProperty("degradation_history").GetRawText().Should().Be(before.GetProperty("degradation_history").GetRawText());
        after.GetProperty("suppressed_until_ts").GetInt64().Should().Be(before.GetProperty("suppressed_until_ts").GetInt64());
        after.GetProperty("state_problem").ValueKind.Should().Be(JsonValueKind.Null);
        (await SearchBackendAsync(client)).Should().Be("exact", "a persisted degradation is not lifted by a restart");
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task A_corrupt_state_file_is_moved_aside_reported_and_not_trusted()
    {
        var dataDir = Directory.CreateTempSubdirectory("cadml-corrupt").FullName;
        await File.WriteAllTextAsync(Path.Combine(dataDir, "faiss_recovery_state.json"), "{\"schema_version\": 1, \"degraded\": tru");
        using var factory = Factory(new FakeTimeProvider(DateTimeOffset.UtcNow), new() { ["DATA_DIR"] = dataDir });

        var health = await HealthAsync(factory.CreateAuthenticatedClient());

        health.GetProperty("degraded").GetBoolean().Should().BeFalse();
        health.GetProperty("state_problem").GetString().Should().Contain("moved to faiss_recovery_state.json.corrupt-");
        Directory.GetFiles(dataDir, "faiss_recovery_state.json.corrupt-*").Should().ContainSingle();
        File.Exists(Path.Combine(dataDir, "faiss_recovery_state.json")).Should().BeFalse();
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task A_running_manual_recovery_is_visible_and_a_second_one_is_refused_with_409_in_progress()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var library = new HeldLibrary();
        using var factory = new CadMlFactory(LongInterval)
        {
            ConfigureTestServices = services =>
            {
                services.AddSingleton<TimeProvider>(time);
                services.AddSingleton<CadMl.Infrastructure.VectorSearch.Faiss.IFaissLibrary>(sp =>
                    library.Wrap(ActivatorUtilities.CreateInstance<CadMl.Infrastructure.VectorSearch.Faiss.FaissLibrary>(sp)));
            },
        };
        var admin = factory.CreateAuthenticatedClient(admin: true);
        (await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "hold", duration_seconds = 1 })).EnsureSuccessStatusCode();
        time.Advance(TimeSpan.FromSeconds(2));

        library.Hold();
        var first = admin.PostAsync("/api/v1/faiss/recover", null);
        await PollHealthAsync(admin, h => h.GetProperty("manual_recovery_in_progress").GetBoolean());
        var second = await admin.PostAsync("/api/v1/faiss/recover", null);
        library.Release();

        await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "RECOVERY_IN_PROGRESS", "exclusive");
        var outcome = await (await first).Content.ReadFromJsonAsync<JsonElement>();
        outcome.GetProperty("outcome").GetString().Should().Be("restored");
        (await HealthAsync(admin)).GetProperty("manual_recovery_in_progress").GetBoolean().Should().BeFalse();
    }

    /// <summary>Lets a test hold a recovery attempt open inside the library probe.</summary>
    private sealed class HeldLibrary
    {
        private readonly ManualResetEventSlim _open = new(initialState: true);

        public void Hold() => _open.Reset();

        public void Release() => _open.Set();

        public CadMl.Infrastructure.VectorSearch.Faiss.IFaissLibrary Wrap(CadMl.Infrastructure.VectorSearch.Faiss.IFaissLibrary inner) => new Held(inner, _open);

        private sealed class Held(CadMl.Infrastructure.VectorSearch.Faiss.IFaissLibrary inner, ManualResetEventSlim open)
            : CadMl.Infrastructure.VectorSearch.Faiss.IFaissLibrary
        {
            public CadMl.Infrastructure.VectorSearch.Faiss.FaissNative? TryLoad(out string? error)
            {
                open.Wait(TimeSpan.FromSeconds(30));
                return inner.TryLoad(out error);
            }
        }
    }

    private static readonly Dictionary<string, string?> LongInterval = new()
    {
        // Automatic attempts far enough out that only the test's manual attempts happen.
        ["FAISS_RECOVERY_INTERVAL_SECONDS"] = "600",
        ["FAISS_RECOVERY_MAX_BACKOFF"] = "1200",
    };

    /// <summary>degraded → restored → degraded: three toggles, the default threshold, two seconds apart.</summary>
    private static async Task FlapAsync(HttpClient admin, FakeTimeProvider time)
    {
        (await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "flap-1", duration_seconds = 1 })).EnsureSuccessStatusCode();
        time.Advance(TimeSpan.FromSeconds(2));
        (await RecoverAsync(admin)).GetProperty("outcome").GetString().Should().Be("restored");
        (await admin.PostAsJsonAsync("/api/v1/faiss/degrade", new { reason = "flap-2", duration_seconds = 1 })).EnsureSuccessStatusCode();
        time.Advance(TimeSpan.FromSeconds(2));
    }

    private static CadMlFactory Factory(FakeTimeProvider time, Dictionary<string, string?> settings) =>
        new(settings) { ConfigureTestServices = services => services.AddSingleton<TimeProvider>(time) };

    private static async Task RegisterAsync(HttpClient client, string id, int seed) =>
        (await client.PostAsJsonAsync("/api/v1/vectors", new { id, vector = VectorsApiTests.Vector(seed) })).StatusCode.Should().Be(HttpStatusCode.Created);

    private static async Task<string?> SearchBackendAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/v1/vectors/search", new { vector = VectorsApiTests.Vector(9), k = 1 });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("backend").GetString();
    }

    private static async Task<JsonElement> RecoverAsync(HttpClient admin)
    {
        var response = await admin.PostAsync("/api/v1/faiss/recover", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
        return body;
    }

    private static async Task<JsonElement> HealthAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/v1/health/faiss/health");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The recovery runs on the loop's thread after the clock moved: poll, bounded.</summary>
    private static Task<JsonElement> PollHealthAsync(HttpClient client, Func<JsonElement, bool> done) =>
        Poll.UntilAsync(() => HealthAsync(client), done, TimeSpan.FromSeconds(20), "The FAISS health");

    private static double Sample(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        line.Should().NotBeNull($"/metrics should expose {series}");
        return double.Parse(line![(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
