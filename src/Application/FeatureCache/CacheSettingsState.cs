using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using Microsoft.Extensions.Options;

namespace CadMl.Application.FeatureCache;

/// <summary>
/// The settings history in force for this process. Changes go through the cache-settings use
/// cases, which the Exclusive behaviour runs one at a time; every change is persisted before it
/// takes effect, so what an operator was told survives a crash.
/// </summary>
public sealed class CacheSettingsState
{
    private readonly ICacheSettingsStore _store;
    private readonly CacheSettings _configured;
    private volatile CacheSettingsHistory _history;

    public CacheSettingsState(ICacheSettingsStore store, IOptions<FeatureCacheOptions> options)
    {
        _store = store;
        _configured = new CacheSettings(options.Value.Capacity, options.Value.TtlSeconds);
        RollbackWindow = TimeSpan.FromSeconds(options.Value.RollbackWindowSeconds);
        var persisted = store.Load();
        _history = persisted is not null && persisted.Configured == _configured
            ? persisted.History
            : new CacheSettingsHistory(_configured, null);
    }

    public TimeSpan RollbackWindow { get; }

    public CacheSettingsHistory History => _history;

    public void Commit(CacheSettingsHistory next)
    {
        _store.Save(new PersistedCacheSettings(_configured, next));
        _history = next;
    }
}
