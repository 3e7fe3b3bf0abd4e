using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>
/// How fast a replica follows fleet-wide controls (cache settings, desired model, leases); who the
/// replica is comes from <see cref="ReplicaOptions"/>. With SQLite the fleet is this one process;
/// the same rules hold.
/// </summary>
public sealed class FleetControlOptions : IValidatedOptions
{
    /// <summary>
    /// How often a replica reads the fleet's control records. A change made on another replica is
    /// in force here at most one interval plus one read later; the documented bound is 2 s, so the
    /// interval may not exceed 1 s.
    /// </summary>
    [ConfigurationKeyName("FLEET_POLL_MILLISECONDS")]
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>How long a fleet lease (migration) lasts without renewal; the holder renews it every third of that.</summary>
    [ConfigurationKeyName("FLEET_LEASE_SECONDS")]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// How long a search or analyze with <c>min_generation</c> waits for this replica's index to
    /// reach that generation before it answers 503 INDEX_LAGGING (at most 2 s).
    /// </summary>
    [ConfigurationKeyName("MIN_GENERATION_WAIT_MILLISECONDS")]
    public int MinGenerationWaitMilliseconds { get; set; } = 2000;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    public TimeSpan MinGenerationWait => TimeSpan.FromMilliseconds(MinGenerationWaitMilliseconds);

    public IEnumerable<string> Validate()
    {
        if (PollMilliseconds is < 50 or > 1000)
        {
            yield return $"FLEET_POLL_MILLISECONDS must be between 50 and 1000 (was {PollMilliseconds}).";
        }

        if (MinGenerationWaitMilliseconds is < 0 or > 2000)
        {
            yield return $"MIN_GENERATION_WAIT_MILLISECONDS must be between 0 and 2000 (was {MinGenerationWaitMilliseconds}).";
        }

        if (LeaseSeconds is < 3 or > 3600)
        {
            yield return $"FLEET_LEASE_SECONDS must be between 3 and 3600 (was {LeaseSeconds}).";
        }
    }
}
