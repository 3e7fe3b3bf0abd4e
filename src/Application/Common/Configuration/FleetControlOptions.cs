using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>
/// Who this replica is in the fleet and how fast it follows fleet-wide controls (cache settings,
/// leases). With SQLite the fleet is this one process; the same rules hold.
/// </summary>
public sealed class FleetControlOptions : IValidatedOptions
{
    public const string StableTrack = "stable";
    public const string CanaryTrack = "canary";

    /// <summary>This replica's name in leases and records; empty means the machine name plus a hash of the data folder.</summary>
    [ConfigurationKeyName("REPLICA_ID")]
    public string? ReplicaId { get; set; }

    /// <summary>The rollout track this replica belongs to: <c>stable</c> or <c>canary</c>.</summary>
    [ConfigurationKeyName("TRACK")]
    public string Track { get; set; } = StableTrack;

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

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollMilliseconds);

    /// <summary>The replica id to use: the configured one, or one stable across restarts of the same folder on the same host.</summary>
    public string EffectiveReplicaId(DataOptions data)
    {
        if (!string.IsNullOrWhiteSpace(ReplicaId))
        {
            return ReplicaId.Trim();
        }

        var folder = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data.FullDataDir)))[..8];
        return $"{Environment.MachineName}-{folder}";
    }

    public IEnumerable<string> Validate()
    {
        if (Track is not (StableTrack or CanaryTrack))
        {
            yield return $"TRACK must be '{StableTrack}' or '{CanaryTrack}' (was '{Track}').";
        }

        if (ReplicaId is { Length: > 100 })
        {
            yield return "REPLICA_ID must be at most 100 characters.";
        }

        if (PollMilliseconds is < 50 or > 1000)
        {
            yield return $"FLEET_POLL_MILLISECONDS must be between 50 and 1000 (was {PollMilliseconds}).";
        }

        if (LeaseSeconds is < 3 or > 3600)
        {
            yield return $"FLEET_LEASE_SECONDS must be between 3 and 3600 (was {LeaseSeconds}).";
        }
    }
}
