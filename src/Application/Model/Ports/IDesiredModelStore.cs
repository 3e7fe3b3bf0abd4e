namespace CadMl.Application.Model.Ports;

/// <summary>
/// The served model each rollout track should run, in the durable store the fleet shares: an
/// operator's reload through any replica records it for that replica's track, and every replica of
/// the track converges on it through the same staged checks (and loads it again after a restart).
/// The other track keeps its own row.
/// </summary>
public interface IDesiredModelStore
{
    Task<DesiredModel?> ReadAsync(string track, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="entry"/> as the track's model with the next version.</summary>
    Task<DesiredModel> WriteAsync(string track, ServedModelEntry entry, string changedBy, CancellationToken cancellationToken);
}

/// <summary>Version <paramref name="Version"/> of a track's desired model; it grows by one with every operator reload.</summary>
public sealed record DesiredModel(string Track, long Version, ServedModelEntry Entry, string ChangedBy);
