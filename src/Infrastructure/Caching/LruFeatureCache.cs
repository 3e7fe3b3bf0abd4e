using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Caching;

/// <summary>
/// Least-recently-used cache with capacity and TTL. One lock guards the map, the recency list,
/// the settings and the counters together, so a lookup, an insert and a live settings change are
/// atomic with respect to each other and every lookup is counted exactly once. All operations are
/// O(1) except a shrink, which evicts down to the new capacity at once.
/// </summary>
internal sealed class LruFeatureCache : IFeatureCache, IFeatureCacheControl
{
    private readonly Lock _gate = new();
    private readonly Dictionary<FeatureCacheKey, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _recency = new();
    private readonly TimeProvider _time;
    private readonly Counter _hits;
    private readonly Counter _misses;
    private readonly Counter _evictions;
    private readonly Gauge _size;
    private readonly Gauge _capacityGauge;
    private readonly Dictionary<string, long> _evictedBy = new(StringComparer.Ordinal) { ["capacity"] = 0, ["ttl"] = 0, ["resize"] = 0 };
    private CacheSettings _settings;
    private long _hitCount;
    private long _missCount;

    /// <summary>
    /// Starts with the configured settings; the fleet's record (live settings that survive a
    /// restart) is applied through <see cref="Reconfigure"/> before the first request.
    /// </summary>
    public LruFeatureCache(IOptions<FeatureCacheOptions> options, TimeProvider time, IMetricFactory metrics)
    {
        _time = time;
        _settings = new CacheSettings(options.Value.Capacity, options.Value.TtlSeconds);
        _hits = metrics.CreateCounter("feature_cache_hits_total", "Feature cache lookups that found a live entry.");
        _misses = metrics.CreateCounter("feature_cache_miss_total", "Feature cache lookups that found nothing or an expired entry.");
        _evictions = metrics.CreateCounter("feature_cache_evictions_total", "Entries removed from the feature cache, by reason (capacity, ttl, resize).",
            new CounterConfiguration { LabelNames = ["reason"] });
        _size = metrics.CreateGauge("feature_cache_size", "Entries in the feature cache.");
        _capacityGauge = metrics.CreateGauge("feature_cache_capacity", "Configured feature cache capacity.");
        _capacityGauge.Set(_settings.Capacity);
        foreach (var reason in _evictedBy.Keys)
        {
            _evictions.WithLabels(reason);
        }
    }

    public bool TryGet(FeatureCacheKey key, out CachedFeatures? value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                if (!IsExpired(node.Value))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    _hits.Inc();
                    _hitCount++;
                    value = node.Value.Value;
                    return true;
                }

                Remove(node, "ttl");
            }

            _misses.Inc();
            _missCount++;
            value = null;
            return false;
        }
    }

    public void Set(FeatureCacheKey key, CachedFeatures value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                _recency.Remove(existing);
                _map.Remove(key);
            }

            _map[key] = _recency.AddFirst(new Entry(key, value, _time.GetTimestamp()));
            EvictOverCapacity("capacity");
            _size.Set(_map.Count);
        }
    }

    public int Reconfigure(CacheSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.TtlSeconds);
        lock (_gate)
        {
            var before = _map.Count;
            _settings = settings;
            // A shorter TTL applies to entries already stored, not only to new ones.
            for (var node = _recency.Last; node is not null;)
            {
                var previous = node.Previous;
                if (IsExpired(node.Value))
                {
                    Remove(node, "ttl");
                }

                node = previous;
            }

            EvictOverCapacity("resize");
            _capacityGauge.Set(settings.Capacity);
            _size.Set(_map.Count);
            return before - _map.Count;
        }
    }

    public bool Contains(FeatureCacheKey key)
    {
        lock (_gate)
        {
            return _map.TryGetValue(key, out var node) && !IsExpired(node.Value);
        }
    }

    public CacheStatistics Statistics()
    {
        lock (_gate)
        {
            return new CacheStatistics(_map.Count, _settings, _hitCount, _missCount, new Dictionary<string, long>(_evictedBy));
        }
    }

    private void EvictOverCapacity(string reason)
    {
        while (_map.Count > _settings.Capacity)
        {
            Remove(_recency.Last!, reason);
        }
    }

    private void Remove(LinkedListNode<Entry> node, string reason)
    {
        _recency.Remove(node);
        _map.Remove(node.Value.Key);
        _evictions.WithLabels(reason).Inc();
        _evictedBy[reason]++;
        _size.Set(_map.Count);
    }

    private bool IsExpired(Entry entry) => _settings.TtlSeconds > 0 && _time.GetElapsedTime(entry.StoredAt) >= _settings.Ttl;

    private sealed record Entry(FeatureCacheKey Key, CachedFeatures Value, long StoredAt);
}
