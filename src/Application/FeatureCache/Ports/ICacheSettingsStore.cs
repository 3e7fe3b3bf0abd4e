using CadMl.Domain.Caching;

namespace CadMl.Application.FeatureCache.Ports;

/// <summary>
/// Keeps the live cache settings and the rollback snapshot across restarts, so a rollback promised
/// inside its window is still possible after a crash. <see cref="PersistedCacheSettings.Configured"/> records the settings
/// the configuration gave when the state was written: when the configuration has changed since, a
/// deploy has spoken and the stored state is dropped.
/// </summary>
public interface ICacheSettingsStore
{
    PersistedCacheSettings? Load();

    void Save(PersistedCacheSettings state);
}

public sealed record PersistedCacheSettings(CacheSettings Configured, CacheSettingsHistory History);
