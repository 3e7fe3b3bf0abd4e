using CadMl.Domain.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Domain.Tests.Fleet;

public sealed class ReplicaLivenessTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_heartbeat_exactly_at_the_bound_still_counts_and_one_tick_later_is_stale()
    {
        var beat = _time.GetUtcNow();

        _time.Advance(ReplicaLiveness.StaleAfter);
        ReplicaLiveness.IsStale(beat, _time.GetUtcNow()).Should().BeFalse();

        _time.Advance(TimeSpan.FromTicks(1));
        ReplicaLiveness.IsStale(beat, _time.GetUtcNow()).Should().BeTrue();
    }

    [Fact]
    public void The_bound_tolerates_several_missed_beats()
    {
        (ReplicaLiveness.StaleAfter / ReplicaLiveness.HeartbeatInterval).Should().BeGreaterThanOrEqualTo(3);
    }

    [Theory]
    [InlineData("stable", true)]
    [InlineData("canary", true)]
    [InlineData("Canary", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_the_two_tracks_are_known(string? track, bool known) => ReplicaTrack.IsKnown(track).Should().Be(known);
}
