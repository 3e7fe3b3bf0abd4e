using System.Reflection;
using CadMl.Application.Common.Configuration;

namespace CadMl.Application.Fleet;

/// <summary>
/// This process in the fleet: id, track and build version, fixed for its lifetime, and the URL it
/// advertises for forwarded admin operations (null when REPLICA_URL is not set).
/// </summary>
public sealed record ReplicaIdentity(string Id, string Track, string Version, string? Url = null)
{
    public static ReplicaIdentity From(ReplicaOptions replica, DataOptions data) =>
        new(replica.ResolveId(data.FullDataDir), replica.Track, BuildVersion(), replica.AdvertisedUrl);

    /// <summary>The informational version (<c>1.0.0+&lt;commit&gt;</c>), the commit cut to 12 digits.</summary>
    private static string BuildVersion()
    {
        var version = typeof(ReplicaIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 && version.Length > plus + 13 ? version[..(plus + 13)] : version;
    }
}
