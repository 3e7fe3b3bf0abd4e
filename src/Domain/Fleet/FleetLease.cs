namespace CadMl.Domain.Fleet;

/// <summary>
/// The right of one replica (<see cref="Holder"/>) to run a fleet-wide operation such as a vector
/// migration, until <see cref="ExpiresAt"/>. The lease is held on [acquired, <see cref="ExpiresAt"/>):
/// at exactly <see cref="ExpiresAt"/> it has lapsed and another replica may take it. Every
/// acquisition gets a higher <see cref="Epoch"/>; writes of the run carry it, so a runner that lost
/// its lease (paused past expiry, partitioned) is fenced off instead of writing beside the new one.
/// </summary>
public sealed record FleetLease(string Name, string Holder, long Epoch, DateTimeOffset ExpiresAt)
{
    public bool IsHeldAt(DateTimeOffset now) => now < ExpiresAt;
}

/// <summary>How long a lease lasts and how often its holder renews it.</summary>
public readonly record struct FleetLeaseTerms(TimeSpan Duration)
{
    /// <summary>
    /// A third of the duration: two renewals can fail (a slow store, a long pause) before the lease
    /// lapses, so a healthy runner never loses it to a single hiccup.
    /// </summary>
    public TimeSpan RenewEvery => Duration / 3;

    public DateTimeOffset ExpiryFrom(DateTimeOffset now) => now + Duration;
}
