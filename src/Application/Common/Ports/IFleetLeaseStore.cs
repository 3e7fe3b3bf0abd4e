using CadMl.Domain.Fleet;

namespace CadMl.Application.Common.Ports;

/// <summary>
/// Leases of fleet-wide operations in the durable store, one row per operation name. Each call is
/// one atomic statement, so two replicas asking at once cannot both get a lease; the times are the
/// caller's (TimeProvider), and a lease is free from its expiry on (<see cref="FleetLease.IsHeldAt"/>).
/// </summary>
public interface IFleetLeaseStore
{
    /// <summary>Takes lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="expiresAt"/> when it is free at <paramref name="now"/> (never taken, released or lapsed), with the next epoch.</summary>
    Task<LeaseAttempt> AcquireAsync(string name, string holder, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Extends <paramref name="lease"/> to <paramref name="expiresAt"/> if it is still held at <paramref name="now"/> with its epoch; null when it was lost.</summary>
    Task<FleetLease?> RenewAsync(FleetLease lease, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Frees <paramref name="lease"/> if it is still the one held (a lost lease is left to its new holder).</summary>
    Task ReleaseAsync(FleetLease lease, CancellationToken cancellationToken);
}

/// <summary>What an acquisition found: the lease now held by the caller, or the one another replica holds.</summary>
public abstract record LeaseAttempt(FleetLease Lease)
{
    public sealed record Acquired(FleetLease Lease) : LeaseAttempt(Lease);

    public sealed record HeldByOther(FleetLease Lease) : LeaseAttempt(Lease);
}
