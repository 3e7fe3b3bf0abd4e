using CadMl.Application.Common.Idempotency;
using CadMl.Application.Common.Ports;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Application.Fleet.Ports;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Model.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Caching;
using CadMl.Domain.Features;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Fleet;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging.Abstractions;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// One open store as the use cases see it: the ports on real adapters of one backend. A second
/// <see cref="StoreUnderTest"/> on the same store is a second process (its own writer and connections).
/// </summary>
public sealed record StoreUnderTest(
    IVectorStore Vectors,
    IVectorChangeLog Log,
    IIdempotencyStore Keys,
    IMigrationStore Migration,
    IReplicaHeartbeats Heartbeats,
    ICacheSettingsStore CacheSettings,
    IFleetLeaseStore Leases,
    IDesiredModelStore DesiredModels,
    Func<ValueTask> Close)
{
    /// <summary>Every port on the one adapter set over <paramref name="store"/>, whichever backend it is.</summary>
    internal static StoreUnderTest Over(IStoreDatabase store, Func<ValueTask> close) => new(
        new VectorStore(store, NullLogger<VectorStore>.Instance),
        new VectorChangeLog(store),
        new IdempotencyStore(store),
        new MigrationStore(store, TimeProvider.System),
        new ReplicaHeartbeats(store),
        new CacheSettingsRecordStore(store),
        new FleetLeaseStore(store),
        new DesiredModelStore(store),
        close);
}

/// <summary>
/// The durable store's contract, the same cases for every backend (SQLite file, real PostgreSQL
/// server): a 2xx-worthy write is readable at once and bit-exact, generations are gap-free and in
/// commit order also with two processes writing, the change log replays to exactly the store's
/// rows, an Idempotency-Key is taken only with its write, migration switches one generation per
/// vector. A backend passes by running these, not by having its own tests.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private readonly List<StoreUnderTest> _opened = [];

    /// <summary>A new, empty store for this test (the first call) or another process on it (later calls).</summary>
    protected abstract Task<StoreUnderTest> OpenAsync();

    protected StoreUnderTest Store { get; private set; } = null!;

    /// <summary>What no port writes: cuts a stored vector to its first <paramref name="values"/> values (a row an earlier release wrote).</summary>
    protected abstract Task KeepFirstValuesAsync(string id, int values);

    public async Task InitializeAsync() => Store = await TrackAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.Close();
        }
    }

    private async Task<StoreUnderTest> TrackAsync()
    {
        var store = await OpenAsync();
        _opened.Add(store);
        return store;
    }

    [Fact]
    public async Task A_written_vector_reads_back_bit_for_bit_with_its_metadata_and_generation()
    {
        var values = new[] { 0.1, -2.5e-300, double.Epsilon, 1e300, Math.PI, -0.0, 7 };
        FeatureVector.TryCreate(FeatureVersion.V1, values, out var vector);
        var meta = new Dictionary<string, string> { ["material"] = "steel", ["format"] = "dxf", ["label"] = "bracket", ["note"] = "ünïcode" };
        var at = new DateTimeOffset(2026, 12, 4, 4, 5, 6, 789, TimeSpan.Zero);

        var write = await Store.Vectors.UpsertAsync("part-1", vector!, meta, at, _ => { });
        var found = await Store.Vectors.FindAsync("part-1", CancellationToken.None);

        write.Generation.Should().Be(1);
        write.ReplacedSeq.Should().BeNull();
        found!.Seq.Should().Be(write.Vector.Seq);
        found.Vector.Values.Select(BitConverter.DoubleToInt64Bits).Should().Equal(values.Select(BitConverter.DoubleToInt64Bits));
        found.Meta.Should().BeEquivalentTo(meta);
        found.CreatedAt.Should().Be(at);
        (await Store.Vectors.GenerationAsync(CancellationToken.None)).Should().Be(1);
    }

    [Fact]
    public async Task Each_replica_keeps_one_heartbeat_row_with_the_lag_the_store_computed_when_it_beat()
    {
        FeatureVector.TryCreate(FeatureVersion.V1, [1, 2, 3, 4, 5, 6, 7], out var vector);
        var first = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
        await Store.Vectors.UpsertAsync("beat-1", vector!, new Dictionary<string, string>(), first, _ => { });
        await Store.Vectors.UpsertAsync("beat-2", vector!, new Dictionary<string, string>(), first, _ => { });
        var other = await TrackAsync();

        await Store.Heartbeats.BeatAsync(new ReplicaHeartbeat("stable-1", "1.0.0", "stable", new string('a', 64), 0, "local", first), CancellationToken.None);
        await other.Heartbeats.BeatAsync(new ReplicaHeartbeat("canary-1", "1.1.0", "canary", null, 2, null, first), CancellationToken.None);
        await Store.Heartbeats.BeatAsync(new ReplicaHeartbeat("stable-1", "1.0.0", "stable", new string('b', 64), 1, "local", first.AddSeconds(2), "http://127.0.0.1:8081"), CancellationToken.None);

        var rows = await other.Heartbeats.ListAsync(CancellationToken.None);
        rows.Select(r => r.Beat.ReplicaId).Should().Equal("canary-1", "stable-1");
        rows[0].Beat.Should().Be(new ReplicaHeartbeat("canary-1", "1.1.0", "canary", null, 2, null, first));
        rows[0].Lag.Should().Be(0);
        rows[1].Beat.ModelSha256.Should().Be(new string('b', 64), "a beat replaces the replica's row");
        rows[1].Beat.At.Should().Be(first.AddSeconds(2));
        rows[1].Lag.Should().Be(1, "two generations in the store, one applied");
        rows[1].FirstSeen.Should().Be(first, "the first beat is kept");
        rows[1].Beat.Url.Should().Be("http://127.0.0.1:8081", "the advertised URL (schema step 11) is carried");
    }

    [Fact]
    public async Task A_replaced_vector_gets_a_new_seq_and_names_the_row_it_replaced()
    {
        var first = await Store.Vectors.UpsertAsync("part-1", Vector(1), Meta(), DateTimeOffset.UnixEpoch, _ => { });
        var second = await Store.Vectors.UpsertAsync("part-1", Vector(2, FeatureVersion.V2), Meta(), DateTimeOffset.UnixEpoch, _ => { });

        second.Vector.Seq.Should().BeGreaterThan(first.Vector.Seq);
        second.ReplacedSeq.Should().Be(first.Vector.Seq);
        second.ReplacedVersion.Should().Be(FeatureVersion.V1);
        (await Store.Vectors.FindAsync("part-1", CancellationToken.None))!.Vector.Version.Should().Be(FeatureVersion.V2);
        (await Store.Vectors.StatsAsync(CancellationToken.None)).Total.Should().Be(1);
    }

    [Fact]
    public async Task A_delete_removes_the_vector_once_and_a_second_delete_finds_nothing()
    {
        var write = await Store.Vectors.UpsertAsync("part-1", Vector(1), Meta(), DateTimeOffset.UnixEpoch, _ => { });
        VectorRemoval? applied = null;

        var removal = await Store.Vectors.DeleteAsync("part-1", DateTimeOffset.UnixEpoch, r => applied = r);
        var again = await Store.Vectors.DeleteAsync("part-1", DateTimeOffset.UnixEpoch, _ => throw new InvalidOperationException("nothing was deleted"));

        removal.Should().Be(applied);
        removal!.Seq.Should().Be(write.Vector.Seq);
        removal.Generation.Should().Be(2);
        again.Should().BeNull();
        (await Store.Vectors.FindAsync("part-1", CancellationToken.None)).Should().BeNull();
        (await Store.Vectors.GenerationAsync(CancellationToken.None)).Should().Be(2, "a delete of nothing changes nothing");
    }

    [Fact]
    public async Task Two_processes_writing_at_once_leave_a_gap_free_log_in_commit_order_that_replays_to_the_store()
    {
        var other = await TrackAsync();
        var appliedHere = new List<long>();
        var appliedThere = new List<long>();
        var writes = new List<Task>();
        for (var i = 0; i < 200; i++)
        {
            var (store, applied) = i % 2 == 0 ? (Store, appliedHere) : (other, appliedThere);
            var id = $"part-{i % 70}";
            writes.Add(i % 9 == 4
                ? store.Vectors.DeleteAsync(id, DateTimeOffset.UnixEpoch, r => applied.Add(r.Generation))
                : store.Vectors.UpsertAsync(id, Vector(i), Meta(), DateTimeOffset.UnixEpoch, w => applied.Add(w.Generation)));
        }

        await Task.WhenAll(writes);

        var generation = await Store.Vectors.GenerationAsync(CancellationToken.None);
        var changes = Store.Log.ReadAfter(0, 10_000);
        changes.Select(c => c.Generation).Should().Equal(LongRange(1, generation), "one change per generation, no gaps");
        appliedHere.Should().BeInAscendingOrder("each process applies its writes in commit order");
        appliedThere.Should().BeInAscendingOrder();
        appliedHere.Concat(appliedThere).Should().OnlyHaveUniqueItems();

        var live = new Dictionary<string, long>();
        foreach (var change in changes)
        {
            if (change.Kind == VectorChangeKind.Delete)
            {
                live.Remove(change.Id);
            }
            else
            {
                live[change.Id] = change.Seq;
            }
        }

        var stored = await ReadAllAsync(Store.Vectors);
        stored.ToDictionary(v => v.Id, v => v.Seq).Should().BeEquivalentTo(live, "replaying the log from nothing gives exactly the store's rows");
        stored.Select(v => v.Seq).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task An_index_fed_by_its_own_writes_and_the_log_holds_exactly_the_store_rows_while_another_process_writes()
    {
        // This process applies its own writes after commit (the fast path, or the log when the
        // other process's writes came in between); the other one writes without telling it.
        using var index = FollowingIndex(Store.Log);
        var other = await TrackAsync();
        var writes = new List<Task>();
        for (var i = 0; i < 200; i++)
        {
            var id = $"part-{i % 70}";
            var here = i % 2 == 0;
            writes.Add((i % 9 == 4, here) switch
            {
                (true, true) => Store.Vectors.DeleteAsync(id, DateTimeOffset.UnixEpoch, index.Remove),
                (false, true) => Store.Vectors.UpsertAsync(id, Vector(i), Meta(), DateTimeOffset.UnixEpoch, index.Apply),
                (true, false) => other.Vectors.DeleteAsync(id, DateTimeOffset.UnixEpoch, _ => { }),
                (false, false) => other.Vectors.UpsertAsync(id, Vector(i), Meta(), DateTimeOffset.UnixEpoch, _ => { }),
            });
        }

        await Task.WhenAll(writes);
        var generation = await Store.Vectors.GenerationAsync(CancellationToken.None);
        index.CatchUp().Should().Be(generation);

        var stored = await ReadAllAsync(Store.Vectors);
        IndexedSeqs(index).Should().BeEquivalentTo(stored.Select(v => v.Seq), "the index reflects every change up to the store's generation, none twice");
        (await index.WaitForGenerationAsync(generation, TimeSpan.Zero, CancellationToken.None)).Should().BeTrue();
        (await index.WaitForGenerationAsync(generation + 1, TimeSpan.FromMilliseconds(50), CancellationToken.None)).Should().BeFalse("nobody wrote it");
    }

    [Fact]
    public async Task A_follower_index_keeps_another_process_migration_out_of_sight_until_the_logged_end_then_switches_it_at_once()
    {
        for (var i = 0; i < 6; i++)
        {
            await Store.Vectors.UpsertAsync($"part-{i}", Vector(i), Meta(), DateTimeOffset.UnixEpoch, _ => { });
        }

        using var follower = FollowingIndex(Store.Log);
        follower.CatchUp().Should().Be(6);
        var runner = await TrackAsync();
        var sources = await runner.Migration.PendingAsync(FeatureVersion.V2, 0, 100, 100, CancellationToken.None);
        foreach (var batch in sources.Chunk(2))
        {
            await runner.Migration.WriteAsync([.. batch.Select(s => new MigrationChange(s.Seq, s.Id, Vector(int.Parse(s.Id[5..], System.Globalization.CultureInfo.InvariantCulture), FeatureVersion.V2)))], null, CancellationToken.None);
            follower.CatchUp();
            (follower.Exact.Find(FeatureVersion.V2)?.Count ?? 0).Should().Be(0, "staged, not searchable, until the run ends");
            follower.Exact.Find(FeatureVersion.V1)!.Count.Should().Be(6);
        }

        var end = runner.Log.AppendMigrationEnd("run-1", FeatureVersion.V2, DateTimeOffset.UnixEpoch);
        end.Should().Be(13);
        follower.CatchUp().Should().Be(12, "the end waits for the switch");
        follower.SwitchDue.Should().BeTrue();
        await follower.SwitchDueAsync();
        follower.CatchUp().Should().Be(13);
        follower.Exact.Find(FeatureVersion.V2)!.Count.Should().Be(6);
        follower.Exact.Find(FeatureVersion.V1)!.Count.Should().Be(0);
        IndexedSeqs(follower).Should().BeEquivalentTo((await ReadAllAsync(Store.Vectors)).Select(v => v.Seq));
        Store.Log.ReadRows([1, 999_999]).Should().BeEmpty("both rows are gone (migrated, never existed)");
    }

    private static SimilarityIndex FollowingIndex(IVectorChangeLog log)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new VectorIndexMetrics(Prometheus.Metrics.WithCustomRegistry(registry), registry);
        return new SimilarityIndex(
            Microsoft.Extensions.Options.Options.Create(new VectorIndexOptions { IndexType = "exact" }), metrics, new FaissFaultReports(), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SimilarityIndex>.Instance, log);
    }

    private static List<long> IndexedSeqs(SimilarityIndex index) =>
        [.. index.Exact.Shards.SelectMany(s => s.Shard.Snapshot().Seqs)];

    [Fact]
    public async Task The_log_reads_after_a_generation_in_pages_and_is_trimmed_only_through_the_generation_given()
    {
        for (var i = 0; i < 10; i++)
        {
            await Store.Vectors.UpsertAsync($"part-{i}", Vector(i), Meta(), DateTimeOffset.UnixEpoch, _ => { });
        }

        Store.Log.ReadAfter(3, 4).Select(c => c.Generation).Should().Equal(4, 5, 6, 7);
        Store.Log.TrimThrough(6).Should().Be(6);
        Store.Log.ReadAfter(0, 100).Select(c => c.Generation).Should().Equal(7, 8, 9, 10);
        Store.Log.ReadAfter(0, 100)[0].Should().Match<VectorChange>(c => c.Kind == VectorChangeKind.Insert && c.Id == "part-6" && c.Version == FeatureVersion.V1);
    }

    [Fact]
    public async Task An_idempotency_key_is_taken_only_by_its_write_and_a_second_claim_fails_without_writing()
    {
        var now = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        var claim = new IdempotencyClaim("vectors", "key-1", "hash-a", now, now.AddHours(1));
        await Store.Vectors.UpsertAsync("part-1", Vector(1), Meta(), now, _ => { }, claim);

        var other = await TrackAsync();
        var second = () => other.Vectors.UpsertAsync("part-2", Vector(2), Meta(), now, _ => { }, claim with { RequestHash = "hash-b" });

        await second.Should().ThrowAsync<IdempotencyKeyTakenException>();
        (await Store.Vectors.FindAsync("part-2", CancellationToken.None)).Should().BeNull("the losing write rolled back whole");
        (await Store.Vectors.GenerationAsync(CancellationToken.None)).Should().Be(1);
        var record = await Store.Keys.FindAsync("vectors", "key-1", now, CancellationToken.None);
        record!.RequestHash.Should().Be("hash-a");
        record.ResourceId.Should().Be("part-1");
        record.Response.Should().BeNull();

        await Store.Keys.RecordResponseAsync("vectors", "key-1", "Created", "{\"id\":\"part-1\"}");
        (await other.Keys.FindAsync("vectors", "key-1", now, CancellationToken.None))!.Response.Should().Be("{\"id\":\"part-1\"}");
    }

    [Fact]
    public async Task An_expired_key_is_absent_can_be_claimed_again_and_is_purged()
    {
        var then = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        var later = then.AddHours(2);
        await Store.Vectors.UpsertAsync("part-1", Vector(1), Meta(), then, _ => { }, new IdempotencyClaim("vectors", "old", "h1", then, then.AddHours(1)));
        await Store.Vectors.UpsertAsync("part-2", Vector(2), Meta(), then, _ => { }, new IdempotencyClaim("vectors", "kept", "h2", then, then.AddHours(5)));

        (await Store.Keys.FindAsync("vectors", "old", later, CancellationToken.None)).Should().BeNull();
        await Store.Vectors.UpsertAsync("part-3", Vector(3), Meta(), later, _ => { }, new IdempotencyClaim("vectors", "old", "h3", later, later.AddHours(1)));
        (await Store.Keys.FindAsync("vectors", "old", later, CancellationToken.None))!.ResourceId.Should().Be("part-3");

        (await Store.Keys.PurgeExpiredAsync(later.AddHours(2), 100)).Should().Be(1, "only the reclaimed key expired by then");
        (await Store.Keys.FindAsync("vectors", "kept", later, CancellationToken.None)).Should().NotBeNull("it expires at +5 h");
    }

    [Fact]
    public async Task A_list_filters_and_pages_in_seq_order_and_stats_count_by_facet()
    {
        for (var i = 0; i < 12; i++)
        {
            var meta = new Dictionary<string, string> { ["material"] = i % 3 == 0 ? "steel" : "aluminium", ["format"] = "stl" };
            await Store.Vectors.UpsertAsync($"part-{i:D2}", Vector(i, i < 4 ? FeatureVersion.V2 : FeatureVersion.V1), meta, DateTimeOffset.UnixEpoch, _ => { });
        }

        var page = await Store.Vectors.ListAsync(new VectorFilter(Material: "aluminium"), 2, 3, CancellationToken.None);
        var stats = await Store.Vectors.StatsAsync(CancellationToken.None);

        page.Total.Should().Be(8);
        page.Items.Select(v => v.Id).Should().Equal("part-04", "part-05", "part-07");
        stats.Total.Should().Be(12);
        stats.Generation.Should().Be(12);
        stats.ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v1"] = 8, ["v2"] = 4 });
        stats.ByMaterial.Should().BeEquivalentTo(new Dictionary<string, long> { ["aluminium"] = 8, ["steel"] = 4 });
    }

    [Fact]
    public async Task A_migration_batch_switches_each_vector_with_one_generation_and_keeps_its_metadata()
    {
        var meta = new Dictionary<string, string> { ["material"] = "steel", ["format"] = "dxf" };
        var a = await Store.Vectors.UpsertAsync("part-a", Vector(1), meta, DateTimeOffset.UnixEpoch, _ => { });
        await Store.Vectors.UpsertAsync("part-b", Vector(2), meta, DateTimeOffset.UnixEpoch, _ => { });
        var pending = await Store.Migration.PendingAsync(FeatureVersion.V2, 0, await Store.Migration.LastSeqAsync(CancellationToken.None), 10, CancellationToken.None);
        pending.Select(p => p.Id).Should().Equal("part-a", "part-b");
        pending[0].Values.Should().Equal(Vector(1).Values);

        var batch = await Store.Migration.WriteAsync(
            [new MigrationChange(a.Vector.Seq, "part-a", Vector(1, FeatureVersion.V2)), new MigrationChange(999_999, "gone", Vector(3, FeatureVersion.V2))],
            null,
            CancellationToken.None);

        batch.Writes[1].Should().BeNull("the row had gone");
        batch.Generation.Should().Be(3);
        batch.Writes[0]!.ReplacedSeq.Should().Be(a.Vector.Seq);
        var found = await Store.Vectors.FindAsync("part-a", CancellationToken.None);
        found!.Vector.Version.Should().Be(FeatureVersion.V2);
        found.Meta.Should().BeEquivalentTo(meta);
        Store.Log.ReadAfter(2, 10).Should().ContainSingle().Which.Should().Match<VectorChange>(c =>
            c.Kind == VectorChangeKind.Switch && c.Seq == found.Seq && c.ReplacedSeq == a.Vector.Seq && c.ReplacedVersion == FeatureVersion.V1);
        (await Store.Migration.FindAsync(["part-b", "nope"], CancellationToken.None)).Select(s => s.Id).Should().Equal("part-b");
    }

    [Fact]
    public async Task A_v5_row_of_the_earlier_layout_is_counted_pending_for_v5_left_out_of_lists_and_builds_and_read_as_that()
    {
        var step = new Dictionary<string, string> { ["format"] = "step" };
        await Store.Vectors.UpsertAsync("earlier", Vector(1, FeatureVersion.V5), step, DateTimeOffset.UnixEpoch, _ => { });
        await Store.Vectors.UpsertAsync("today", Vector(2, FeatureVersion.V5), step, DateTimeOffset.UnixEpoch, _ => { });
        await KeepFirstValuesAsync("earlier", EarlierLayouts.V5BeforeStrokes);

        (await Store.Migration.CountEarlierLayoutAsync(CancellationToken.None)).Should().Be(1);
        var last = await Store.Migration.LastSeqAsync(CancellationToken.None);
        var pending = await Store.Migration.PendingAsync(FeatureVersion.V5, 0, last, 10, CancellationToken.None);
        pending.Should().ContainSingle().Which.Should().Match<MigrationSource>(s => s.Id == "earlier" && s.Values.Count == 73 && s.Format == "step");
        (await Store.Vectors.ListAsync(new VectorFilter(), 0, 10, CancellationToken.None)).Items.Select(v => v.Id).Should().Equal("today");
        var built = new List<string>();
        await foreach (var stored in Store.Vectors.ReadAllAsync(CancellationToken.None))
        {
            built.Add(stored.Id);
        }

        built.Should().Equal("today");
        var read = async () => await Store.Vectors.FindAsync("earlier", CancellationToken.None);
        (await read.Should().ThrowAsync<EarlierLayoutException>()).Which.Format.Should().Be(CadMl.Domain.Cad.CadFormat.Step);
    }

    [Fact]
    public async Task Migration_runs_are_kept_newest_first()
    {
        var start = new DateTimeOffset(2026, 12, 4, 1, 0, 0, TimeSpan.Zero);
        foreach (var (id, minutes) in new[] { ("run-1", 0), ("run-2", 5) })
        {
            await Store.Migration.SaveRunAsync(new MigrationRun(id, "v2", false, "all", 100, 1, "completed", start.AddMinutes(minutes), start.AddMinutes(minutes + 1), 60,
                new MigrationTotals(3, 2, 0, 1, 0, 0, 0), null), CancellationToken.None);
        }

        var runs = await Store.Migration.RecentRunsAsync(10, CancellationToken.None);

        runs.Select(r => r.MigrationId).Should().Equal("run-2", "run-1");
        runs[0].Totals.Should().Be(new MigrationTotals(3, 2, 0, 1, 0, 0, 0));
        runs[0].StartedAt.Should().Be(start.AddMinutes(5));
    }

    [Fact]
    public async Task The_cache_settings_record_changes_only_on_the_version_it_was_decided_on_and_reads_back_whole()
    {
        var at = new DateTimeOffset(2026, 12, 4, 11, 0, 0, 123, TimeSpan.Zero);
        var configured = new CacheSettings(1024, 0);
        var applied = new CacheSettings(64, 30);
        var history = new CacheSettingsHistory(applied, new CacheSettingsSnapshot(configured, applied, at, at.AddMinutes(5)));
        var reset = new PersistedCacheSettings(configured, new CacheSettingsHistory(configured, null));

        (await Store.CacheSettings.ReadAsync(CancellationToken.None)).Should().BeNull("nothing was written yet");
        var first = await Store.CacheSettings.ReplaceAsync(0, new PersistedCacheSettings(configured, history), "replica-a", at, CancellationToken.None);
        var lateInsert = await Store.CacheSettings.ReplaceAsync(0, reset, "replica-b", at, CancellationToken.None);
        var stale = await Store.CacheSettings.ReplaceAsync(2, reset, "replica-b", at, CancellationToken.None);
        var read = await Store.CacheSettings.ReadAsync(CancellationToken.None);

        first!.Version.Should().Be(1);
        lateInsert.Should().BeNull("a record exists: version 0 is stale");
        stale.Should().BeNull("version 2 was never written");
        read!.Version.Should().Be(1);
        read.ChangedBy.Should().Be("replica-a");
        read.ChangedAt.Should().Be(at);
        read.Settings.Should().Be(new PersistedCacheSettings(configured, history));

        var rolledBack = await Store.CacheSettings.ReplaceAsync(1, reset, "replica-c", at, CancellationToken.None);
        rolledBack!.Version.Should().Be(2);
        (await Store.CacheSettings.ReadAsync(CancellationToken.None))!.Settings.History.Snapshot.Should().BeNull();
    }

    [Fact]
    public async Task Two_processes_changing_the_cache_settings_on_the_same_version_cannot_both_win()
    {
        var other = await TrackAsync();
        var settings = new PersistedCacheSettings(new CacheSettings(1024, 0), new CacheSettingsHistory(new CacheSettings(1024, 0), null));
        await Store.CacheSettings.ReplaceAsync(0, settings, "setup", DateTimeOffset.UnixEpoch, CancellationToken.None);

        for (var round = 1; round <= 10; round++)
        {
            var next = settings with { History = new CacheSettingsHistory(new CacheSettings(round, 0), null) };
            var results = await Task.WhenAll(
                Store.CacheSettings.ReplaceAsync(round, next, "a", DateTimeOffset.UnixEpoch, CancellationToken.None),
                other.CacheSettings.ReplaceAsync(round, next, "b", DateTimeOffset.UnixEpoch, CancellationToken.None));

            results.Count(r => r is not null).Should().Be(1, "round {0} decided on one version", round);
        }

        (await other.CacheSettings.ReadAsync(CancellationToken.None))!.Version.Should().Be(11);
    }

    [Fact]
    public async Task A_fleet_lease_is_held_until_just_before_its_expiry_and_free_exactly_at_it_with_a_higher_epoch()
    {
        var t0 = new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero);
        var expiry = t0.AddSeconds(30);

        var first = await Store.Leases.AcquireAsync("vector-migration", "replica-a", t0, expiry, CancellationToken.None);
        var justBefore = await Store.Leases.AcquireAsync("vector-migration", "replica-b", expiry.AddMilliseconds(-1), expiry.AddSeconds(30), CancellationToken.None);
        var renewed = await Store.Leases.RenewAsync(first.Lease, expiry.AddMilliseconds(-1), expiry.AddSeconds(10), CancellationToken.None);
        var exactlyAt = await Store.Leases.AcquireAsync("vector-migration", "replica-b", expiry.AddSeconds(10), expiry.AddSeconds(40), CancellationToken.None);
        var lateRenewal = await Store.Leases.RenewAsync(renewed!, expiry.AddSeconds(10), expiry.AddSeconds(20), CancellationToken.None);

        first.Should().BeOfType<LeaseAttempt.Acquired>();
        first.Lease.Epoch.Should().Be(1);
        justBefore.Should().BeOfType<LeaseAttempt.HeldByOther>();
        justBefore.Lease.Holder.Should().Be("replica-a", "the refusal names the holder");
        justBefore.Lease.ExpiresAt.Should().Be(expiry);
        renewed!.ExpiresAt.Should().Be(expiry.AddSeconds(10));
        exactlyAt.Should().BeOfType<LeaseAttempt.Acquired>("the renewed lease lapsed exactly at its new expiry");
        exactlyAt.Lease.Should().Be(new FleetLease("vector-migration", "replica-b", 2, expiry.AddSeconds(40)));
        lateRenewal.Should().BeNull("replica-a's epoch 1 was taken over");
    }

    [Fact]
    public async Task A_released_lease_is_free_at_once_and_a_lost_one_fences_off_its_holders_migration_writes()
    {
        var now = TimeProvider.System.GetUtcNow();
        var write = await Store.Vectors.UpsertAsync("part-f", Vector(1), Meta(), DateTimeOffset.UnixEpoch, _ => { });
        var first = (await Store.Leases.AcquireAsync("vector-migration", "replica-a", now, now.AddMinutes(5), CancellationToken.None)).Lease;
        await Store.Leases.ReleaseAsync(first, CancellationToken.None);
        var second = await Store.Leases.AcquireAsync("vector-migration", "replica-b", now, now.AddMinutes(5), CancellationToken.None);

        var stale = await Store.Migration.WriteAsync([new MigrationChange(write.Vector.Seq, "part-f", Vector(1, FeatureVersion.V2))], first, CancellationToken.None);
        var current = await Store.Migration.WriteAsync([new MigrationChange(write.Vector.Seq, "part-f", Vector(1, FeatureVersion.V2))], second.Lease, CancellationToken.None);

        second.Should().BeOfType<LeaseAttempt.Acquired>();
        second.Lease.Epoch.Should().Be(2);
        stale.LeaseLost.Should().BeTrue();
        stale.Writes.Should().BeEmpty();
        current.LeaseLost.Should().BeFalse();
        current.Writes.Should().ContainSingle().Which!.Vector.Vector.Version.Should().Be(FeatureVersion.V2);
        (await Store.Vectors.GenerationAsync(CancellationToken.None)).Should().Be(2, "only the holder's batch was written");
    }

    [Fact]
    public async Task Of_several_processes_asking_for_a_free_lease_at_once_exactly_one_gets_it()
    {
        var others = new[] { await TrackAsync(), await TrackAsync() };
        var now = TimeProvider.System.GetUtcNow();
        for (var round = 0; round < 5; round++)
        {
            var name = $"lease-{round}";
            var attempts = await Task.WhenAll(
                Store.Leases.AcquireAsync(name, "a", now, now.AddMinutes(1), CancellationToken.None),
                others[0].Leases.AcquireAsync(name, "b", now, now.AddMinutes(1), CancellationToken.None),
                others[1].Leases.AcquireAsync(name, "c", now, now.AddMinutes(1), CancellationToken.None));

            attempts.OfType<LeaseAttempt.Acquired>().Should().ContainSingle();
            attempts.Select(a => a.Lease.Holder).Distinct().Should().ContainSingle("the others are told who holds it");
        }
    }

    [Fact]
    public async Task Each_track_keeps_its_own_desired_model_and_every_reload_moves_its_version_by_one()
    {
        var other = await TrackAsync();
        var at = new DateTimeOffset(2026, 12, 4, 11, 30, 0, 250, TimeSpan.Zero);
        var first = new ServedModelEntry("a.onnx", new string('a', 64), "model-a", at);
        var second = new ServedModelEntry("b.onnx", new string('b', 64), "model-b", at.AddMinutes(1));
        var canary = new ServedModelEntry("c.onnx", new string('c', 64), "model-c", at);

        (await Store.DesiredModels.ReadAsync("stable", CancellationToken.None)).Should().BeNull();
        var v1 = await Store.DesiredModels.WriteAsync("stable", first, "replica-a", CancellationToken.None);
        await other.DesiredModels.WriteAsync("canary", canary, "replica-c", CancellationToken.None);
        var v2 = await other.DesiredModels.WriteAsync("stable", second, "replica-b", CancellationToken.None);

        v1.Version.Should().Be(1);
        v2.Version.Should().Be(2);
        (await Store.DesiredModels.ReadAsync("stable", CancellationToken.None)).Should().Be(new DesiredModel("stable", 2, second, "replica-b"));
        (await Store.DesiredModels.ReadAsync("canary", CancellationToken.None)).Should().Be(new DesiredModel("canary", 1, canary, "replica-c"));
    }

    protected static FeatureVector Vector(int seed, FeatureVersion version = FeatureVersion.V1)
    {
        var values = Enumerable.Range(0, version.Dimension()).Select(d => (double)((seed * 31) + d + 1)).ToArray();
        FeatureVector.TryCreate(version, values, out var vector);
        return vector!;
    }

    private static Dictionary<string, string> Meta() => new() { ["format"] = "stl" };

    private static IEnumerable<long> LongRange(long first, long last)
    {
        for (var g = first; g <= last; g++)
        {
            yield return g;
        }
    }

    private static async Task<List<StoredVector>> ReadAllAsync(IVectorStore store)
    {
        var all = new List<StoredVector>();
        await foreach (var vector in store.ReadAllAsync(CancellationToken.None))
        {
            all.Add(vector);
        }

        return all;
    }
}
