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

    /// <summary>
    /// The base URL other replicas reach this one at (<c>http://127.0.0.1:8081</c>), carried in its
    /// heartbeat so an admin operation sent with <c>?replica=</c> or <c>?scope=all</c> through any
    /// replica can be forwarded here. Empty = not reachable by forwarding.
    /// </summary>
    [ConfigurationKeyName("REPLICA_URL")]
    public string? ReplicaUrl { get; set; }

    /// <summary>
    /// True (default): forward admin operations only to loopback URLs, the layout build/fleet runs.
    /// A fleet spread over hosts sets it false, and then relies on its network to keep the
    /// heartbeat table's URLs honest (only replicas with store credentials can write them).
    /// </summary>
    [ConfigurationKeyName("REPLICA_FORWARD_LOOPBACK_ONLY")]
    public bool ForwardLoopbackOnly { get; set; } = true;

    /// <summary>The advertised URL as <c>scheme://host:port</c>, or null when none is configured (validated at start).</summary>
    public string? AdvertisedUrl => string.IsNullOrWhiteSpace(ReplicaUrl) ? null : new Uri(ReplicaUrl.Trim(), UriKind.Absolute).GetLeftPart(UriPartial.Authority);

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

        if (!string.IsNullOrWhiteSpace(ReplicaUrl) && !IsBaseUrl(ReplicaUrl.Trim()))
        {
            yield return $"REPLICA_URL must be an http or https base URL without user, path, query or fragment (was '{ReplicaUrl}').";
        }
    }

    private static bool IsBaseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidId();

    [GeneratedRegex("[^a-z0-9._-]")]
    private static partial Regex IdCharacters();
}
