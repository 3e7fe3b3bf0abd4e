using Ardalis.Result;
using CadMl.Application.Fleet;
using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using Microsoft.Extensions.Options;

namespace CadMl.Application.FeatureCache;

/// <summary>
/// The cache settings of the fleet and the version of them this process runs. The fleet's record
/// lives in the durable store (<see cref="ICacheSettingsStore"/>); apply and rollback decide on a
/// fresh read and commit with compare-and-set on its version, and every replica converges on the
/// newest version by polling (<see cref="ConvergeAsync"/>). This class is the one owner of the live
/// cache's settings in the process: <see cref="Publish"/> applies versions in increasing order only,
/// so a slow poll can never put back settings an apply on this replica has already replaced.
/// </summary>
public sealed class CacheSettingsState
{
    private readonly ICacheSettingsStore _store;
    private readonly IFeatureCacheControl _cache;
    private readonly TimeProvider _time;
    private readonly Lock _publishing = new();
    private volatile AppliedCacheSettings _applied;

    public CacheSettingsState(
        ICacheSettingsStore store,
        IFeatureCacheControl cache,
        IOptions<FeatureCacheOptions> options,
        ReplicaIdentity identity,
        TimeProvider time)
    {
        _store = store;
        _cache = cache;
        _time = time;
        Configured = new CacheSettings(options.Value.Capacity, options.Value.TtlSeconds);
        RollbackWindow = TimeSpan.FromSeconds(options.Value.RollbackWindowSeconds);
        ReplicaId = identity.Id;
        _applied = new AppliedCacheSettings(0, new CacheSettingsHistory(Configured, null), null, null);
    }

    public TimeSpan RollbackWindow { get; }

    /// <summary>The settings the configuration gives; the fleet's record starts from them.</summary>
    public CacheSettings Configured { get; }

    public string ReplicaId { get; }

    /// <summary>What this process runs: the record version (0 before any change) and its history.</summary>
    public AppliedCacheSettings Applied => _applied;

    /// <summary>The fleet's current record as a decision starts from it; version 0 with the configured settings when there is none.</summary>
    public async Task<AppliedCacheSettings> ReadFleetAsync(CancellationToken cancellationToken) =>
        await _store.ReadAsync(cancellationToken) is { } record
            ? new AppliedCacheSettings(record.Version, record.Settings.History, record.ChangedAt, null)
            : new AppliedCacheSettings(0, new CacheSettingsHistory(Configured, null), null, null);

    /// <summary>
    /// One change of the fleet's settings (apply, rollback): <paramref name="decide"/> runs on a fresh
    /// read of the record and the change it returns is committed with compare-and-set on the record's
    /// version. When another replica changed the record in between, the decision is made again on
    /// what it wrote; a refusal is answered as it is; after <see cref="CacheSettingsGate.Attempts"/>
    /// lost races the change is answered as busy. The replica that commits runs the new settings at
    /// once (the others converge on their next poll).
    /// </summary>
    public async Task<Result<T>> ChangeAsync<T>(Func<AppliedCacheSettings, CacheSettingsChange<T>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < CacheSettingsGate.Attempts; attempt++)
        {
            var fleet = await ReadFleetAsync(cancellationToken);
            var change = decide(fleet);
            if (change.Refusal is { } refusal)
            {
                return refusal;
            }

            if (await ReplaceAsync(fleet.Version, change.Next!, cancellationToken) is not { } written)
            {
                continue;
            }

            return Result.Success(change.Answer!(written, Publish(written)));
        }

        return CacheSettingsGate.Contended<T>();
    }

    /// <summary>Commits <paramref name="next"/> over version <paramref name="expectedVersion"/>; null when another replica changed the record first.</summary>
    private Task<CacheSettingsRecord?> ReplaceAsync(long expectedVersion, CacheSettingsHistory next, CancellationToken cancellationToken) =>
        _store.ReplaceAsync(expectedVersion, new PersistedCacheSettings(Configured, next), ReplicaId, _time.GetUtcNow(), cancellationToken);

    /// <summary>Runs <paramref name="record"/> here if it is newer than what runs; returns how many entries its settings evicted.</summary>
    public int Publish(CacheSettingsRecord record)
    {
        lock (_publishing)
        {
            if (record.Version <= _applied.Version)
            {
                return 0;
            }

            var evicted = _cache.Reconfigure(record.Settings.History.Current);
            _applied = new AppliedCacheSettings(record.Version, record.Settings.History, record.ChangedAt, _time.GetUtcNow());
            return evicted;
        }
    }

    /// <summary>One poll: runs the fleet's newest record if this process is behind it; returns the version now in force.</summary>
    public async Task<long> ConvergeAsync(CancellationToken cancellationToken)
    {
        if (await _store.ReadAsync(cancellationToken) is { } record)
        {
            Publish(record);
        }

        return _applied.Version;
    }

    /// <summary>
    /// Start-up: a record written under other configured settings is reset to this configuration
    /// (a deploy has spoken); with no record yet, <paramref name="legacy"/> (the single-process state
    /// file of earlier releases) becomes version 1 if it was written under this configuration.
    /// Returns what happened, for the log.
    /// </summary>
    public async Task<CacheSettingsStart> StartAsync(PersistedCacheSettings? legacy, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var record = await _store.ReadAsync(cancellationToken);
            var outcome = CacheSettingsStart.Followed;
            CacheSettingsRecord? written = record;
            if (record is null && legacy is not null && legacy.Configured == Configured)
            {
                written = await _store.ReplaceAsync(0, legacy, ReplicaId, _time.GetUtcNow(), cancellationToken);
                outcome = CacheSettingsStart.ImportedFile;
            }
            else if (record is not null && record.Settings.Configured != Configured)
            {
                written = await ReplaceAsync(record.Version, new CacheSettingsHistory(Configured, null), cancellationToken);
                outcome = CacheSettingsStart.ResetToConfiguration;
            }

            if (written is not null || record is null && outcome == CacheSettingsStart.Followed)
            {
                if (written is not null)
                {
                    Publish(written);
                }

                return outcome;
            }
        }

        // Others kept changing the record meanwhile: follow whatever it is now.
        await ConvergeAsync(cancellationToken);
        return CacheSettingsStart.Followed;
    }
}

/// <summary>
/// A version of the fleet's cache settings as a replica runs it: when it was written
/// (<paramref name="ChangedAt"/>, by whichever replica) and since when this replica runs it
/// (<paramref name="RunningSince"/>); the difference is this replica's convergence lag.
/// </summary>
public sealed record AppliedCacheSettings(long Version, CacheSettingsHistory History, DateTimeOffset? ChangedAt, DateTimeOffset? RunningSince);

/// <summary>
/// What a settings change decided on one read of the fleet's record (<see cref="CacheSettingsState.ChangeAsync{T}"/>):
/// refused with a problem, or the history to commit and how to answer once it is committed (given
/// the written record and how many entries the new settings evicted here).
/// </summary>
public sealed class CacheSettingsChange<T>
{
    internal CacheSettingsChange(Result<T>? refusal, CacheSettingsHistory? next, Func<CacheSettingsRecord, int, T>? answer)
    {
        Refusal = refusal;
        Next = next;
        Answer = answer;
    }

    public Result<T>? Refusal { get; }

    public CacheSettingsHistory? Next { get; }

    public Func<CacheSettingsRecord, int, T>? Answer { get; }
}

/// <summary>The two ways a settings change can be decided.</summary>
public static class CacheSettingsChange
{
    public static CacheSettingsChange<T> Refuse<T>(Result<T> refusal) => new(refusal, null, null);

    public static CacheSettingsChange<T> Commit<T>(CacheSettingsHistory next, Func<CacheSettingsRecord, int, T> answer) => new(null, next, answer);
}

public enum CacheSettingsStart
{
    /// <summary>The stored record (or the configuration, when there is none) is in force.</summary>
    Followed,

    /// <summary>The earlier releases' state file became the fleet's record.</summary>
    ImportedFile,

    /// <summary>The record was written under other configured settings and was reset to this configuration.</summary>
    ResetToConfiguration,
}
