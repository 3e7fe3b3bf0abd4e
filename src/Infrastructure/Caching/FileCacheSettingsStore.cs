using System.Text.Json;
using System.Text.Json.Serialization;
using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Caching;

/// <summary>
/// <c>feature_cache_settings.json</c> in the data folder, written atomically. A file that does not
/// parse or fails validation is quarantined and logged; the service then starts from configuration.
/// </summary>
internal sealed partial class FileCacheSettingsStore(IOptions<DataOptions> data, TimeProvider time, ILogger<FileCacheSettingsStore> logger)
    : ICacheSettingsStore
{
    private const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    private string FilePath => Path.Combine(data.Value.FullDataDir, "feature_cache_settings.json");

    public PersistedCacheSettings? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllBytes(FilePath), Json);
            if (stored is not { SchemaVersion: SchemaVersion } || !IsValid(stored.Configured) || !IsValid(stored.Current)
                || (stored.Snapshot is { } s && (!IsValid(s.Previous) || !IsValid(s.Applied) || s.CanRollbackUntil < s.AppliedAt)))
            {
                throw new JsonException("The cache settings state fails validation.");
            }

            var snapshot = stored.Snapshot is { } snap
                ? new CacheSettingsSnapshot(snap.Previous.ToSettings(), snap.Applied.ToSettings(), snap.AppliedAt, snap.CanRollbackUntil)
                : null;
            return new PersistedCacheSettings(stored.Configured.ToSettings(), new CacheSettingsHistory(stored.Current.ToSettings(), snapshot));
        }
        catch (Exception exception) when (exception is JsonException or IOException or NotSupportedException)
        {
            var moved = AtomicFile.Quarantine(FilePath, time.GetUtcNow());
            LogQuarantined(exception, Path.GetFileName(moved));
            return null;
        }
    }

    public void Save(PersistedCacheSettings state)
    {
        var snapshot = state.History.Snapshot;
        var stored = new Stored(
            SchemaVersion,
            StoredSettings.From(state.Configured),
            StoredSettings.From(state.History.Current),
            snapshot is null ? null : new StoredSnapshot(
                StoredSettings.From(snapshot.Previous), StoredSettings.From(snapshot.Applied), snapshot.AppliedAt, snapshot.CanRollbackUntil));
        AtomicFile.Write(FilePath, JsonSerializer.SerializeToUtf8Bytes(stored, Json));
    }

    private static bool IsValid(StoredSettings? settings) => settings is { Capacity: >= 1, TtlSeconds: >= 0 };

    [LoggerMessage(Level = LogLevel.Error, Message = "The cache settings state file was unreadable and was moved aside as {File}; starting from configuration")]
    private partial void LogQuarantined(Exception exception, string file);

    private sealed record Stored(int SchemaVersion, StoredSettings Configured, StoredSettings Current, StoredSnapshot? Snapshot);

    private sealed record StoredSnapshot(StoredSettings Previous, StoredSettings Applied, DateTimeOffset AppliedAt, DateTimeOffset CanRollbackUntil);

    private sealed record StoredSettings(int Capacity, int TtlSeconds)
    {
        public static StoredSettings From(CacheSettings settings) => new(settings.Capacity, settings.TtlSeconds);

        public CacheSettings ToSettings() => new(Capacity, TtlSeconds);
    }
}
