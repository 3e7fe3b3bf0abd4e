namespace CadMl.Application.Fleet.Ports;

/// <summary>
/// One heartbeat row per replica in the shared store: each replica overwrites its own row, and any
/// replica can list them all. On SQLite (one process) it is this replica's row alone.
/// </summary>
public interface IReplicaHeartbeats
{
    /// <summary>
    /// Writes this replica's row. The store's own generation is read in the same statement, so the
    /// recorded lag is the distance from the applied generation at the moment of the beat.
    /// </summary>
    Task BeatAsync(ReplicaHeartbeat beat, CancellationToken cancellationToken);

    /// <summary>Every replica's last row, ordered by replica id.</summary>
    Task<IReadOnlyList<ReplicaHeartbeatRow>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>What a replica reports about itself on every beat; <paramref name="Url"/> is where forwarded admin operations reach it.</summary>
public sealed record ReplicaHeartbeat(
    string ReplicaId,
    string Version,
    string Track,
    string? ModelSha256,
    long AppliedGeneration,
    string? CacheSettingsVersion,
    DateTimeOffset At,
    string? Url = null);

/// <summary>A stored heartbeat, with the lag (store generation − applied generation) computed when it was written.</summary>
public sealed record ReplicaHeartbeatRow(ReplicaHeartbeat Beat, long Lag, DateTimeOffset FirstSeen);
