namespace CadMl.Domain.Fleet;

/// <summary>
/// When a replica's heartbeat row stops meaning "this replica is up". Replicas write a heartbeat
/// every <see cref="HeartbeatInterval"/>; a row older than <see cref="StaleAfter"/> (five missed
/// beats, so a slow store round trip or a GC pause does not flip it) is reported stale: the replica
/// stopped, lost the store, or its clock is far off. Stale rows are kept, not deleted, so the fleet
/// view shows what left and when.
/// </summary>
public static class ReplicaLiveness
{
    public static TimeSpan HeartbeatInterval { get; } = TimeSpan.FromSeconds(2);

    public static TimeSpan StaleAfter { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Stale only strictly past the bound: a beat exactly <see cref="StaleAfter"/> old still counts.</summary>
    public static bool IsStale(DateTimeOffset lastHeartbeat, DateTimeOffset now) => now - lastHeartbeat > StaleAfter;
}

/// <summary>The release tracks a replica can serve: most traffic on <c>stable</c>, a small share on <c>canary</c>.</summary>
public static class ReplicaTrack
{
    public const string Stable = "stable";

    public const string Canary = "canary";

    public static bool IsKnown(string? track) => track is Stable or Canary;
}
