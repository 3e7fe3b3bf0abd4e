using System.Text;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Degradation;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CadMl.Infrastructure.Tests.Recovery;

public sealed class RecoveryStateStoreTests : IClassFixture<RedisServer>, IDisposable
{
    private readonly RedisServer _redis;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cadml-state").FullName;
    private readonly RecoveryPolicy _policy = new RecoveryPolicyOptions().Policy;

    public RecoveryStateStoreTests(RedisServer redis) => _redis = redis;

    /// <summary>The use cases' validation, as they pass it to the store.</summary>
    private IEnumerable<string> Problems(DegradationState state) => state.Problems(_time.GetUtcNow(), _policy);

    [Fact]
    public async Task The_file_store_round_trips_the_whole_state()
    {
        var store = FileStore();
        var state = FlappedState();

        await store.SaveAsync(state, CancellationToken.None);
        var loaded = await store.LoadAsync(Problems, CancellationToken.None);

        loaded.Problem.Should().BeNull();
        loaded.State.Should().BeEquivalentTo(state);
        Directory.GetFiles(_dataDir).Should().Equal([store.Path], "the temp file is renamed over the target, nothing is left beside it");
    }

    [Fact]
    public async Task A_future_dated_state_file_is_quarantined_and_reported()
    {
        var store = FileStore();
        await store.SaveAsync(FlappedState() with { SavedAt = _time.GetUtcNow().AddDays(1) }, CancellationToken.None);

        var loaded = await store.LoadAsync(Problems, CancellationToken.None);

        loaded.State.Should().BeNull();
        loaded.Problem.Should().Contain("lies in the future").And.Contain(".corrupt-20261127T120010Z", "the state was built over 10 fake seconds");
        File.Exists(store.Path).Should().BeFalse();
        File.Exists(store.Path + ".corrupt-20261127T120010Z").Should().BeTrue();
    }

    [Fact]
    public async Task A_state_of_another_schema_version_is_not_trusted()
    {
        var store = FileStore();
        var json = Encoding.UTF8.GetString(RecoveryStateJson.Serialize(FlappedState())).Replace("\"schema_version\": 1", "\"schema_version\": 2", StringComparison.Ordinal);
        await File.WriteAllTextAsync(store.Path, json);

        var loaded = await store.LoadAsync(Problems, CancellationToken.None);

        loaded.State.Should().BeNull();
        loaded.Problem.Should().Contain("schema_version 2");
    }

    [Fact]
    public async Task The_redis_store_round_trips_the_whole_state_against_a_real_server()
    {
        using var store = RedisStore();
        var state = FlappedState();

        await store.SaveAsync(state, CancellationToken.None);
        using var reopened = RedisStore();
        var loaded = await reopened.LoadAsync(Problems, CancellationToken.None);

        loaded.Problem.Should().BeNull();
        loaded.State.Should().BeEquivalentTo(state);
    }

    [Fact]
    public async Task A_corrupt_redis_value_is_renamed_aside_and_reported()
    {
        using (var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_redis.Port}"))
        {
            await connection.GetDatabase().StringSetAsync(RedisRecoveryStateStore.Key, "{not json");
        }

        using var store = RedisStore();
        var loaded = await store.LoadAsync(Problems, CancellationToken.None);

        loaded.State.Should().BeNull();
        loaded.Problem.Should().Contain($"{RedisRecoveryStateStore.Key}:corrupt-");
        using var check = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_redis.Port}");
        (await check.GetDatabase().KeyExistsAsync(RedisRecoveryStateStore.Key)).Should().BeFalse();
        (await check.GetDatabase().KeyExistsAsync($"{RedisRecoveryStateStore.Key}:corrupt-20261127T120000Z")).Should().BeTrue();
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private DegradationState FlappedState()
    {
        var tracker = new DegradationTracker(_policy, _time);
        tracker.Degrade("faiss_library_unavailable: missing", out _);
        _time.Advance(TimeSpan.FromSeconds(5));
        tracker.Restore("automatic_recovery", out _, out _);
        _time.Advance(TimeSpan.FromSeconds(5));
        tracker.StartDrill("staging", TimeSpan.FromMinutes(5), out _);
        tracker.AttemptFailed("drill active");
        return tracker.Snapshot();
    }

    private FileRecoveryStateStore FileStore() => new(
        Options.Create(new RecoveryStateOptions()),
        Options.Create(new DataOptions { DataDir = _dataDir }),
        _time);

    private RedisRecoveryStateStore RedisStore() =>
        new(Options.Create(new RecoveryStateOptions { StateBackend = "redis", RedisUrl = _redis.Url }), _time);
}
