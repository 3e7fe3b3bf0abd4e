namespace CadMl.Application.Fleet.GetFleet;

/// <summary>The fleet as its heartbeat rows show it; <paramref name="ThisReplica"/> is the id of the replica that answered.</summary>
public sealed record FleetDto(string ThisReplica, double StaleAfterSeconds, IReadOnlyList<FleetReplicaDto> Replicas);

/// <summary>
/// One replica. <paramref name="Lag"/> is how many store generations its index was behind at its
/// last beat; <paramref name="Url"/> is where forwarded admin operations reach it (REPLICA_URL);
/// <paramref name="CacheSettingsVersion"/> is <c>local</c> while cache settings are per
/// process. <paramref name="Stale"/>: no beat for longer than the fleet's <c>stale_after_seconds</c>.
/// </summary>
public sealed record FleetReplicaDto(
    string ReplicaId,
    string Version,
    string Track,
    string? ModelSha256,
    long AppliedGeneration,
    long Lag,
    string? CacheSettingsVersion,
    DateTimeOffset LastHeartbeat,
    double HeartbeatAgeSeconds,
    bool Stale,
    DateTimeOffset FirstSeen,
    string? Url);
