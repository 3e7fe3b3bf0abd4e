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
/// <c>feature_cache_settings.json</c>, where releases before the fleet-wide record kept one
/// process's cache settings. It is read once, at the first start on the store record, to become
/// the fleet's record (version 1), then renamed to <c>feature_cache_settings.json.imported</c> so
/// it is never read again. A file that does not parse or fails validation is quarantined and
/// logged, and the service starts from configuration.
/// </summary>
internal sealed partial class LegacyCacheSettingsFile(IOptions<DataOptions> data, TimeProvider time, ILogger<LegacyCacheSettingsFile> logger)
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

    /// <summary>Moves the file out of the way once the store holds its content (or a newer record).</summary>
    public void MarkImported()
    {
        if (File.Exists(FilePath))
        {
            File.Move(FilePath, FilePath + ".imported", overwrite: true);
        }
    }

    private static bool IsValid(StoredSettings? settings) => settings is { Capacity: >= 1, TtlSeconds: >= 0 };

    [LoggerMessage(Level = LogLevel.Error, Message = "The cache settings state file was unreadable and was moved aside as {File}; starting from configuration")]
    private partial void LogQuarantined(Exception exception, string file);

    private sealed record Stored(int SchemaVersion, StoredSettings Configured, StoredSettings Current, StoredSnapshot? Snapshot);

    private sealed record StoredSnapshot(StoredSettings Previous, StoredSettings Applied, DateTimeOffset AppliedAt, DateTimeOffset CanRollbackUntil);

    private sealed record StoredSettings(int Capacity, int TtlSeconds)
    {
        public CacheSettings ToSettings() => new(Capacity, TtlSeconds);
    }
}
