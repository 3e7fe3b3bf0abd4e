namespace CadMl.Application.Faiss.GetFaissHealth;

/// <summary>
/// The similarity backend's health. <c>next_recovery_eta</c> and <c>suppressed_until_ts</c> are
/// epoch seconds (null when none); the <c>_seconds</c> members are durations from now.
/// </summary>
public sealed record FaissHealthDto(
    bool Degraded,
    string? Reason,
    DateTimeOffset? DegradedSince,
    double DegradedDurationSeconds,
    int DegradationHistoryCount,
    IReadOnlyList<DegradationEventDto> DegradationHistory,
    long? NextRecoveryEta,
    double? NextRecoveryInSeconds,
    bool ManualRecoveryInProgress,
    long? SuppressedUntilTs,
    double SuppressionRemainingSeconds,
    int ConsecutiveFailures,
    string? LastError,
    DateTimeOffset? DrillUntil,
    string Backend,
    FaissIndexDto Index,
    string StateBackend,
    string? StateProblem);

public sealed record DegradationEventDto(string Event, string Reason, DateTimeOffset Time);

/// <summary>
/// What is configured (<c>type</c>), how many vectors the serving index holds and of which
/// dimensions; the store generation it reflects (<c>applied_generation</c>) against the store's.
/// </summary>
public sealed record FaissIndexDto(string Type, long Size, IReadOnlyDictionary<string, int> Dimensions, long StoreGeneration, long AppliedGeneration);
