using CadMl.Domain.Caching;

namespace CadMl.Application.FeatureCache.Ports;

/// <summary>
/// The fleet's one cache settings record in the durable store: live settings plus rollback
/// snapshot, with a version that grows by one on every change. Changes are compare-and-set on the
/// version, so two replicas deciding at once cannot both win: the loser re-reads and decides again
/// on what the winner wrote. <see cref="PersistedCacheSettings.Configured"/> records the settings the
/// configuration gave when the record was written: when a replica starts with other configured
/// settings, a deploy has spoken and the record is reset to them.
/// </summary>
public interface ICacheSettingsStore
{
    /// <summary>The record, or null when none was ever written.</summary>
    Task<CacheSettingsRecord?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="next"/> as version <paramref name="expectedVersion"/> + 1 if the stored
    /// version is still <paramref name="expectedVersion"/> (0: no record yet); returns the written
    /// record, or null when another change came first.
    /// </summary>
    Task<CacheSettingsRecord?> ReplaceAsync(long expectedVersion, PersistedCacheSettings next, string changedBy, DateTimeOffset at, CancellationToken cancellationToken);
}

public sealed record PersistedCacheSettings(CacheSettings Configured, CacheSettingsHistory History);

/// <summary>One version of the fleet's cache settings and who wrote it.</summary>
public sealed record CacheSettingsRecord(long Version, PersistedCacheSettings Settings, string ChangedBy, DateTimeOffset ChangedAt);
