using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CadMl.Domain.Fleet;
using Microsoft.Extensions.Configuration;

namespace CadMl.Application.Common.Configuration;

/// <summary>Who this process is in a fleet: its replica id and the release track it serves.</summary>
public sealed partial class ReplicaOptions : IValidatedOptions
{
    /// <summary>
    /// The replica's name in the fleet view and metrics. Empty = derived from the host name and the
    /// data folder, so a replica restarted on the same folder keeps its id (and its heartbeat row).
    /// </summary>
    [ConfigurationKeyName("REPLICA_ID")]
    public string? ReplicaId { get; set; }

    /// <summary><c>stable</c> (default) or <c>canary</c>: which side of a canary comparison this replica's traffic counts on.</summary>
    [ConfigurationKeyName("TRACK")]
    public string Track { get; set; } = ReplicaTrack.Stable;

    /// <summary>The configured id, or host name + the first 8 hex digits of SHA-256 of the full data folder path.</summary>
    public string ResolveId(string fullDataDir)
    {
        if (!string.IsNullOrWhiteSpace(ReplicaId))
        {
            return ReplicaId.Trim();
        }

        var folder = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fullDataDir)))[..8];
        var host = IdCharacters().Replace(Environment.MachineName.ToLowerInvariant(), "-");
        return $"{host}-{folder}";
    }

    public IEnumerable<string> Validate()
    {
        if (!ReplicaTrack.IsKnown(Track))
        {
            yield return $"TRACK must be '{ReplicaTrack.Stable}' or '{ReplicaTrack.Canary}' (was '{Track}').";
        }

        if (!string.IsNullOrWhiteSpace(ReplicaId) && !ValidId().IsMatch(ReplicaId.Trim()))
        {
            yield return $"REPLICA_ID must be 1-64 characters of letters, digits, '.', '_' or '-' (was '{ReplicaId}').";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidId();

    [GeneratedRegex("[^a-z0-9._-]")]
    private static partial Regex IdCharacters();
}
