using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

public sealed class FeatureCacheOptions : IValidatedOptions
{
    [ConfigurationKeyName("FEATURE_CACHE_CAPACITY")]
    public int Capacity { get; set; } = 1024;

    /// <summary>Entry lifetime in seconds; 0 keeps entries until they are evicted for capacity.</summary>
    [ConfigurationKeyName("FEATURE_CACHE_TTL_SECONDS")]
    public int TtlSeconds { get; set; }

    /// <summary>How long after a live settings change an operator may roll it back.</summary>
    [ConfigurationKeyName("CACHE_ROLLBACK_WINDOW_SECONDS")]
    public int RollbackWindowSeconds { get; set; } = 300;

    public IEnumerable<string> Validate()
    {
        if (Capacity is < 1 or > Domain.Caching.CacheSettings.MaxCapacity)
        {
            yield return $"FEATURE_CACHE_CAPACITY must be between 1 and {Domain.Caching.CacheSettings.MaxCapacity} (was {Capacity}).";
        }

        if (TtlSeconds < 0)
        {
            yield return $"FEATURE_CACHE_TTL_SECONDS must be 0 (no expiry) or more (was {TtlSeconds}).";
        }

        if (RollbackWindowSeconds < 1)
        {
            yield return $"CACHE_ROLLBACK_WINDOW_SECONDS must be at least 1 (was {RollbackWindowSeconds}).";
        }
    }
}
