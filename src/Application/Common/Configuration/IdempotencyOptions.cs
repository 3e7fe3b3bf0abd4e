using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>How long an <c>Idempotency-Key</c> is remembered, and how often forgotten keys are swept out.</summary>
public sealed class IdempotencyOptions : IValidatedOptions
{
    /// <summary>
    /// A key answers with its first response for this long after that response; afterwards the same
    /// key starts a new request. 24 h covers a bulk import retried the next morning.
    /// </summary>
    [ConfigurationKeyName("IDEMPOTENCY_KEY_TTL_HOURS")]
    public double KeyTtlHours { get; set; } = 24;

    /// <summary>How often expired keys are deleted from the store (in the background, never on a request).</summary>
    [ConfigurationKeyName("IDEMPOTENCY_PURGE_INTERVAL_SECONDS")]
    public int PurgeIntervalSeconds { get; set; } = 600;

    /// <summary>The <c>Retry-After</c> of a 409 <c>IDEMPOTENCY_KEY_IN_PROGRESS</c>.</summary>
    [ConfigurationKeyName("IDEMPOTENCY_RETRY_AFTER_SECONDS")]
    public int RetryAfterSeconds { get; set; } = 1;

    public TimeSpan KeyTtl => TimeSpan.FromHours(KeyTtlHours);

    public IEnumerable<string> Validate()
    {
        if (double.IsNaN(KeyTtlHours) || KeyTtlHours is < 0.001 or > 8760)
        {
            yield return $"IDEMPOTENCY_KEY_TTL_HOURS must be between 0.001 and 8760 (was {KeyTtlHours}).";
        }

        if (PurgeIntervalSeconds is < 1 or > 86_400)
        {
            yield return $"IDEMPOTENCY_PURGE_INTERVAL_SECONDS must be between 1 and 86400 (was {PurgeIntervalSeconds}).";
        }

        if (RetryAfterSeconds is < 1 or > 3600)
        {
            yield return $"IDEMPOTENCY_RETRY_AFTER_SECONDS must be between 1 and 3600 (was {RetryAfterSeconds}).";
        }
    }
}
