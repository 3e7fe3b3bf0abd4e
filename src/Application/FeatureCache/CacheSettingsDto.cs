using Ardalis.Result;
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

    /// <summary>
    /// How many times a change re-decides after losing a compare-and-set to another replica. Each
    /// loss means another change was committed, and the next decision sees it; losing this often in
    /// a row means operators are racing each other, which is answered as busy.
    /// </summary>
    public const int Attempts = 3;

    public static Result<T> Contended<T>() => new Problem(BusyCode, BusyCode.Stage,
        "Other replicas kept changing the cache settings while this change was decided; read them and try again.").ToResult<T>();
}
