using CadMl.Domain.Degradation;
using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>
/// When to retry a degraded similarity backend, how fast to back off and when flapping suppresses
/// recovery: the numbers of the Domain's <see cref="RecoveryPolicy"/>. Where the state is kept
/// (file, Redis) is the adapter's own options.
/// </summary>
public sealed class RecoveryPolicyOptions : IValidatedOptions
{
    /// <summary>Degraded↔restored toggles inside the window that suppress automatic recovery.</summary>
    [ConfigurationKeyName("FAISS_RECOVERY_FLAP_THRESHOLD")]
    public int FlapThreshold { get; set; } = 3;

    [ConfigurationKeyName("FAISS_RECOVERY_FLAP_WINDOW_SECONDS")]
    public int FlapWindowSeconds { get; set; } = 900;

    [ConfigurationKeyName("FAISS_RECOVERY_SUPPRESSION_SECONDS")]
    public int SuppressionSeconds { get; set; } = 300;

    [ConfigurationKeyName("FAISS_RECOVERY_INTERVAL_SECONDS")]
    public double IntervalSeconds { get; set; } = 30;

    [ConfigurationKeyName("FAISS_RECOVERY_BACKOFF_MULTIPLIER")]
    public double BackoffMultiplier { get; set; } = 2;

    [ConfigurationKeyName("FAISS_RECOVERY_MAX_BACKOFF")]
    public double MaxBackoffSeconds { get; set; } = 300;

    public RecoveryPolicy Policy => new(
        TimeSpan.FromSeconds(IntervalSeconds),
        BackoffMultiplier,
        TimeSpan.FromSeconds(MaxBackoffSeconds),
        FlapThreshold,
        TimeSpan.FromSeconds(FlapWindowSeconds),
        TimeSpan.FromSeconds(SuppressionSeconds));

    public IEnumerable<string> Validate()
    {
        if (FlapThreshold < 1)
        {
            yield return $"FAISS_RECOVERY_FLAP_THRESHOLD must be at least 1 (was {FlapThreshold}).";
        }

        if (FlapWindowSeconds < 1)
        {
            yield return $"FAISS_RECOVERY_FLAP_WINDOW_SECONDS must be at least 1 (was {FlapWindowSeconds}).";
        }

        if (SuppressionSeconds < 0)
        {
            yield return $"FAISS_RECOVERY_SUPPRESSION_SECONDS must be 0 or more (was {SuppressionSeconds}).";
        }

        if (!(IntervalSeconds > 0))
        {
            yield return $"FAISS_RECOVERY_INTERVAL_SECONDS must be greater than 0 (was {IntervalSeconds}).";
        }

        if (!(BackoffMultiplier >= 1))
        {
            yield return $"FAISS_RECOVERY_BACKOFF_MULTIPLIER must be at least 1 (was {BackoffMultiplier}).";
        }

        if (!(MaxBackoffSeconds >= IntervalSeconds))
        {
            yield return $"FAISS_RECOVERY_MAX_BACKOFF must be at least FAISS_RECOVERY_INTERVAL_SECONDS (was {MaxBackoffSeconds}).";
        }
    }
}
