using CadMl.Application.Faiss.GetFaissHealth;

namespace CadMl.Application.Faiss.Ports;

/// <summary>
/// The similarity backend's degradation and recovery, as the use cases see it. The rules live
/// in the Domain's DegradationTracker; the adapter adds the FAISS probe and rebuild, persistence
/// and metrics.
/// </summary>
public interface IFaissRecovery
{
    FaissHealthDto Health();

    /// <summary>One manual attempt now (holding the manual lease while it runs).</summary>
    Task<ManualRecoveryResult> RecoverAsync(bool force, CancellationToken cancellationToken);

    /// <summary>Synthetic degradation for staging drills: attempts fail until <paramref name="duration"/> has passed.</summary>
    Task<FaissHealthDto> DrillAsync(string reason, TimeSpan duration, CancellationToken cancellationToken);
}

public enum ManualRecoveryOutcome
{
    Restored,
    StillDegraded,
    NotDegraded,
    Suppressed,
    InProgress,
}

public sealed record ManualRecoveryResult(ManualRecoveryOutcome Outcome, string? Error, FaissHealthDto Health);
