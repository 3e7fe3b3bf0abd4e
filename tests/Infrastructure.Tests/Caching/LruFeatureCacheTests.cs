using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Cad;
using CadMl.Domain.Caching;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Caching;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace CadMl.Infrastructure.Tests.Caching;

public sealed class LruFeatureCacheTests
{
    private static readonly CachedFeatures Value = new(
        new CadDocument(CadFormat.Dxf, new CountTable(), new CountTable(), BoundingBox.Empty, CadMetadata.None),
        FeatureExtractor.Extract(new CadDocument(CadFormat.Dxf, new CountTable(), new CountTable(), BoundingBox.Empty, CadMetadata.None), FeatureVersion.V1));

    private readonly FakeTimeProvider _time = new();

    private LruFeatureCache Create(int capacity, int ttlSeconds = 0)
    {
        var options = Options.Create(new FeatureCacheOptions { Capacity = capacity, TtlSeconds = ttlSeconds });
        return new LruFeatureCache(options, _time, Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
    }

    private static FeatureCacheKey Key(int i) => new($"sha{i}", FeatureVersion.V1);

    [Fact]
    public void The_least_recently_used_entry_is_evicted_for_capacity()
    {
        var cache = Create(capacity: 2);
        cache.Set(Key(1), Value);
        cache.Set(Key(2), Value);
        cache.TryGet(Key(1), out _).Should().BeTrue();

        cache.Set(Key(3), Value);

        cache.Contains(Key(1)).Should().BeTrue();
        cache.Contains(Key(2)).Should().BeFalse();
        cache.Statistics().Evictions["capacity"].Should().Be(1);
    }

    [Fact]
    public void Entries_expire_exactly_at_the_ttl()
    {
        var cache = Create(capacity: 10, ttlSeconds: 30);
        cache.Set(Key(1), Value);

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        cache.TryGet(Key(1), out _).Should().BeTrue();
        _time.Advance(TimeSpan.FromTicks(1));
        cache.TryGet(Key(1), out _).Should().BeFalse();

        var stats = cache.Statistics();
        stats.Hits.Should().Be(1);
        stats.Misses.Should().Be(1);
        stats.Evictions["ttl"].Should().Be(1);
    }

    [Fact]
    public void Shrinking_evicts_down_to_the_new_capacity_at_once_with_reason_resize()
    {
        var cache = Create(capacity: 10);
        for (var i = 0; i < 10; i++)
        {
            cache.Set(Key(i), Value);
        }

        var evicted = cache.Reconfigure(new CacheSettings(4, 0));

        evicted.Should().Be(6);
        cache.Statistics().Size.Should().Be(4);
        cache.Statistics().Evictions["resize"].Should().Be(6);
        Enumerable.Range(6, 4).Should().OnlyContain(i => cache.Contains(Key(i)), "the most recent entries stay");
    }

    [Fact]
    public void A_shorter_ttl_applies_to_entries_already_stored()
    {
        var cache = Create(capacity: 10);
        cache.Set(Key(1), Value);
        _time.Advance(TimeSpan.FromSeconds(20));

        cache.Reconfigure(new CacheSettings(10, 10)).Should().Be(1);

        cache.Statistics().Evictions["ttl"].Should().Be(1);
    }

    [Fact]
    public void Contains_counts_neither_a_hit_nor_a_miss()
    {
        var cache = Create(capacity: 10);
        cache.Set(Key(1), Value);

        cache.Contains(Key(1));
        cache.Contains(Key(2));

        cache.Statistics().Hits.Should().Be(0);
        cache.Statistics().Misses.Should().Be(0);
    }

    [Fact]
    public async Task Concurrent_lookups_and_inserts_during_repeated_resizes_stay_within_capacity_and_count_every_lookup_once()
    {
        var cache = Create(capacity: 64);
        const int Threads = 8;
        const int LookupsPerThread = 20_000;
        var maxSeen = 0;
        using var stop = new CancellationTokenSource();

        var resizer = Task.Run(() =>
        {
            var flip = false;
            while (!stop.IsCancellationRequested)
            {
                cache.Reconfigure(flip ? new CacheSettings(64, 0) : new CacheSettings(16, 0));
                flip = !flip;
            }
        });
        var workers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            for (var i = 0; i < LookupsPerThread; i++)
            {
                var key = Key(random.Next(200));
                if (!cache.TryGet(key, out _))
                {
                    cache.Set(key, Value);
                }

                var size = cache.Statistics().Size;
                InterlockedMax(ref maxSeen, size);
            }
        })).ToArray();

        await Task.WhenAll(workers);
        await stop.CancelAsync();
        await resizer;

        var stats = cache.Statistics();
        (stats.Hits + stats.Misses).Should().Be(Threads * LookupsPerThread);
        maxSeen.Should().BeLessThanOrEqualTo(64);
        stats.Size.Should().BeLessThanOrEqualTo(stats.Settings.Capacity);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
