using CadMl.Application.Common.Problems;
using CadMl.Domain.Caching;

namespace CadMl.Application.FeatureCache;

public sealed record CacheSettingsDto(int Capacity, int TtlSeconds)
{
    public static CacheSettingsDto From(CacheSettings settings) => new(settings.Capacity, settings.TtlSeconds);
}

public sealed record CacheSnapshotDto(
    int PreviousCapacity,
    int PreviousTtlSeconds,
    int AppliedCapacity,
    int AppliedTtlSeconds,
    DateTimeOffset AppliedAt,
    DateTimeOffset CanRollbackUntil,
    bool RollbackOpen)
{
    public static CacheSnapshotDto From(CacheSettingsSnapshot snapshot, DateTimeOffset now) => new(
        snapshot.Previous.Capacity,
        snapshot.Previous.TtlSeconds,
        snapshot.Applied.Capacity,
        snapshot.Applied.TtlSeconds,
        snapshot.AppliedAt,
        snapshot.CanRollbackUntil,
        snapshot.IsOpenAt(now));
}

/// <summary>Cache settings changes are one at a time: apply, rollback and prewarm share this gate.</summary>
internal static class CacheSettingsGate
{
    public const string Group = "feature-cache-settings";
    public static readonly ErrorCode BusyCode = ErrorCodes.CacheSettingsBusy;
}
