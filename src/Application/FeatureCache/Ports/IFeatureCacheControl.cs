using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Caching;

namespace CadMl.Application.FeatureCache.Ports;

/// <summary>The management face of the live feature cache (the analysis path uses <see cref="IFeatureCache"/>).</summary>
public interface IFeatureCacheControl
{
    CacheStatistics Statistics();

    /// <summary>Applies settings to the live entries at once (shrinking evicts with reason resize); returns how many were evicted.</summary>
    int Reconfigure(CacheSettings settings);

    /// <summary>Whether an entry is present, without counting a hit or a miss.</summary>
    bool Contains(FeatureCacheKey key);
}

public sealed record CacheStatistics(int Size, CacheSettings Settings, long Hits, long Misses, IReadOnlyDictionary<string, long> Evictions);

/// <summary>Counts the operator actions on the cache.</summary>
public interface IFeatureCacheMetrics
{
    void SettingsChanged(string action);

    void Prewarmed(int loaded, int skipped);
}
