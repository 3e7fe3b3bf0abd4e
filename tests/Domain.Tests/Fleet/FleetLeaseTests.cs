using CadMl.Domain.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Domain.Tests.Fleet;

public sealed class FleetLeaseTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero));
    private readonly FleetLeaseTerms _terms = new(TimeSpan.FromSeconds(30));

    [Fact]
    public void A_lease_is_held_from_its_acquisition_until_just_before_its_expiry_and_lapsed_exactly_at_it()
    {
        var lease = new FleetLease("vector-migration", "replica-a", 1, _terms.ExpiryFrom(_time.GetUtcNow()));

        lease.IsHeldAt(_time.GetUtcNow()).Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        lease.IsHeldAt(_time.GetUtcNow()).Should().BeTrue("one tick before expiry");
        _time.Advance(TimeSpan.FromTicks(1));
        lease.IsHeldAt(_time.GetUtcNow()).Should().BeFalse("exactly at expiry it has lapsed");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        lease.IsHeldAt(_time.GetUtcNow()).Should().BeFalse();
    }

    [Fact]
    public void The_holder_renews_three_times_per_lease_duration_so_two_failed_renewals_still_keep_it()
    {
        _terms.RenewEvery.Should().Be(TimeSpan.FromSeconds(10));
        var acquired = _time.GetUtcNow();
        var lease = new FleetLease("vector-migration", "replica-a", 1, _terms.ExpiryFrom(acquired));

        // Renewals due at +10 s and +20 s fail; the one at +30 s would be too late, the lease is held until then.
        lease.IsHeldAt(acquired + (_terms.RenewEvery * 2)).Should().BeTrue();
        lease.IsHeldAt(acquired + (_terms.RenewEvery * 3)).Should().BeFalse();
    }
}
