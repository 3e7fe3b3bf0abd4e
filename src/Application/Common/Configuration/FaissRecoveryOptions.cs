using CadMl.Domain.Degradation;
using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

public sealed class FaissRecoveryOptions : IValidatedOptions
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

    /// <summary>State file; empty means <c>faiss_recovery_state.json</c> in the data folder.</summary>
    [ConfigurationKeyName("FAISS_RECOVERY_STATE_PATH")]
    public string StatePath { get; set; } = "";

    /// <summary><c>file</c> (default) or <c>redis</c>.</summary>
    [ConfigurationKeyName("FAISS_RECOVERY_STATE_BACKEND")]
    public string StateBackend { get; set; } = "file";

    [ConfigurationKeyName("REDIS_URL")]
    public string RedisUrl { get; set; } = "";

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

        if (StateBackend is not ("file" or "redis"))
        {
            yield return $"FAISS_RECOVERY_STATE_BACKEND must be 'file' or 'redis' (was '{StateBackend}').";
        }
        else if (StateBackend == "redis" && string.IsNullOrWhiteSpace(RedisUrl))
        {
            yield return "REDIS_URL is required when FAISS_RECOVERY_STATE_BACKEND=redis.";
        }
    }
}
