using CadMl.Domain.Degradation;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Domain.Tests.Degradation;

public sealed class DegradationTrackerTests
{
    private static readonly RecoveryPolicy Policy = new(
        Interval: TimeSpan.FromSeconds(30),
        Multiplier: 2,
        MaxBackoff: TimeSpan.FromSeconds(300),
        FlapThreshold: 3,
        FlapWindow: TimeSpan.FromSeconds(900),
        Suppression: TimeSpan.FromSeconds(300));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_first_failure_records_one_degraded_event_with_its_reason_and_time()
    {
        var tracker = new DegradationTracker(Policy, _time);

        var transition = tracker.Degrade("faiss_library_unavailable", out _);

        transition.Should().Be(new DegradationTransition(DegradationEventKind.Degraded, "faiss_library_unavailable", _time.GetUtcNow()));
        tracker.IsDegraded.Should().BeTrue();
        tracker.DegradedSince.Should().Be(_time.GetUtcNow());
        tracker.NextAttemptAt.Should().Be(_time.GetUtcNow() + Policy.Interval);
    }

    [Fact]
    public void Degrading_while_degraded_records_nothing_so_failing_requests_cannot_flood_the_history()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("first", out _);

        for (var i = 0; i < 10; i++)
        {
            tracker.Degrade("again", out _).Should().BeNull();
        }

        tracker.History.Should().ContainSingle();
        tracker.Reason.Should().Be("first");
    }

    [Fact]
    public void The_degraded_duration_grows_across_failed_attempts_and_restored_is_recorded()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);
        _time.Advance(TimeSpan.FromSeconds(30));
        tracker.AttemptFailed("still missing");
        _time.Advance(TimeSpan.FromSeconds(60));

        tracker.DegradedFor.Should().Be(TimeSpan.FromSeconds(90), "a failed attempt must not reset the degradation record");
        tracker.Restore("recovered", out var lasted, out _).Should().NotBeNull();

        lasted.Should().Be(TimeSpan.FromSeconds(90));
        tracker.IsDegraded.Should().BeFalse();
        tracker.NextAttemptAt.Should().BeNull();
        tracker.History.Select(h => h.Event).Should().Equal(DegradationEventKind.Restored, DegradationEventKind.Degraded);
    }

    [Fact]
    public void Backoff_grows_by_the_multiplier_is_capped_and_resets_after_a_transition()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            tracker.AttemptFailed("no");
            waits.Add(tracker.NextAttemptAt!.Value - _time.GetUtcNow());
        }

        waits.Select(w => w.TotalSeconds).Should().Equal(60, 120, 240, 300, 300, 300);
        tracker.Restore("ok", out _, out _);
        tracker.Degrade("again", out _);
        (tracker.NextAttemptAt - _time.GetUtcNow()).Should().Be(Policy.Interval);
    }

    [Theory]
    [InlineData(0.0, 27)]
    [InlineData(0.5, 30)]
    [InlineData(0.999999, 33)]
    public void Jitter_moves_the_wait_by_at_most_ten_percent(double sample, double expectedSeconds)
    {
        Policy.Backoff(0, sample).TotalSeconds.Should().BeApproximately(expectedSeconds, 0.001);
    }

    [Fact]
    public void Jitter_never_pushes_a_wait_past_the_maximum_backoff()
    {
        Policy.Backoff(10, 0.999).Should().Be(Policy.MaxBackoff);
    }

    [Fact]
    public void An_attempt_is_due_exactly_when_the_backoff_ends_not_a_tick_before()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);

        _time.Advance(Policy.Interval - TimeSpan.FromTicks(1));
        tracker.Decide().Should().Be(AttemptDecision.NotDue);
        _time.Advance(TimeSpan.FromTicks(1));
        tracker.Decide().Should().Be(AttemptDecision.Due);
    }

    [Fact]
    public void A_deferred_attempt_keeps_the_failures_and_backoff_and_is_due_again_exactly_one_interval_later()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);
        tracker.AttemptFailed("no");
        tracker.AttemptFailed("no");
        _time.Advance(TimeSpan.FromSeconds(120));
        tracker.Decide().Should().Be(AttemptDecision.Due);

        tracker.AttemptDeferred();

        tracker.ConsecutiveFailures.Should().Be(2, "another replica's rebuild is not a failure of this one");
        tracker.LastError.Should().Be("no");
        tracker.History.Should().ContainSingle("a deferral is no toggle");
        _time.Advance(Policy.Interval - TimeSpan.FromTicks(1));
        tracker.Decide().Should().Be(AttemptDecision.NotDue);
        _time.Advance(TimeSpan.FromTicks(1));
        tracker.Decide().Should().Be(AttemptDecision.Due);
        tracker.AttemptFailed("no");
        (tracker.NextAttemptAt - _time.GetUtcNow()).Should().Be(TimeSpan.FromSeconds(240), "the third failure backs off as if no deferral had happened");
    }

    [Fact]
    public void A_healthy_tracker_has_nothing_to_attempt()
    {
        new DegradationTracker(Policy, _time).Decide().Should().Be(AttemptDecision.NotDegraded);
    }

    [Fact]
    public void Toggles_reaching_the_threshold_inside_the_window_open_suppression_exactly_at_the_threshold()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("1", out var opened1);
        _time.Advance(TimeSpan.FromSeconds(10));
        tracker.Restore("r", out _, out var opened2);
        _time.Advance(TimeSpan.FromSeconds(10));

        opened1.Should().BeFalse();
        opened2.Should().BeFalse("two toggles are below the threshold of three");
        tracker.Degrade("3", out var opened3);

        opened3.Should().BeTrue();
        tracker.SuppressedUntil.Should().Be(_time.GetUtcNow() + Policy.Suppression);
        tracker.NextAttemptIn.Should().Be(Policy.Suppression, "the next automatic attempt waits for the suppression to end");
        _time.Advance(Policy.Interval);
        tracker.Decide().Should().Be(AttemptDecision.Suppressed);
    }

    [Fact]
    public void A_toggle_exactly_one_window_old_no_longer_counts()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("1", out _);
        _time.Advance(TimeSpan.FromSeconds(100));
        tracker.Restore("r", out _, out _);
        _time.Advance(Policy.FlapWindow - TimeSpan.FromSeconds(100));

        tracker.Degrade("3", out var opened).Should().NotBeNull();

        opened.Should().BeFalse("the first toggle is exactly a window old, so only two count");
        tracker.SuppressedUntil.Should().BeNull();
    }

    [Fact]
    public void Suppression_ends_exactly_at_its_end_time_and_attempts_resume()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("1", out _);
        tracker.Restore("r", out _, out _);
        tracker.Degrade("3", out _);

        _time.Advance(Policy.Suppression - TimeSpan.FromTicks(1));
        tracker.Decide().Should().Be(AttemptDecision.Suppressed);
        tracker.SuppressionRemaining.Should().Be(TimeSpan.FromTicks(1));
        _time.Advance(TimeSpan.FromTicks(1));

        tracker.IsSuppressed.Should().BeFalse();
        tracker.Decide().Should().Be(AttemptDecision.Due);
    }

    [Fact]
    public void A_manual_lease_makes_the_loop_skip_and_is_visible_until_released()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);
        _time.Advance(Policy.Interval);

        tracker.TryAcquireManualLease().Should().BeTrue();
        tracker.ManualRecoveryInProgress.Should().BeTrue();
        tracker.Decide().Should().Be(AttemptDecision.LeaseHeld);
        tracker.TryAcquireManualLease().Should().BeFalse("only one manual attempt at a time");

        tracker.ReleaseManualLease();
        tracker.ManualRecoveryInProgress.Should().BeFalse();
        tracker.Decide().Should().Be(AttemptDecision.Due);
    }

    [Fact]
    public void A_lease_whose_holder_died_expires_after_its_ttl()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.TryAcquireManualLease();

        _time.Advance(RecoveryPolicy.ManualLeaseTtl);

        tracker.ManualRecoveryInProgress.Should().BeFalse();
    }

    [Fact]
    public void History_is_bounded_newest_first()
    {
        var tracker = new DegradationTracker(Policy with { HistoryLimit = 4, FlapThreshold = 1000 }, _time);
        for (var i = 0; i < 5; i++)
        {
            tracker.Degrade($"d{i}", out _);
            _time.Advance(TimeSpan.FromSeconds(1));
            tracker.Restore($"r{i}", out _, out _);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        tracker.History.Select(h => h.Reason).Should().Equal("r4", "d4", "r3", "d3");
    }

    [Fact]
    public void A_drill_degrades_and_reports_active_until_its_duration_ends()
    {
        var tracker = new DegradationTracker(Policy, _time);

        tracker.StartDrill("staging", TimeSpan.FromSeconds(60), out _);

        tracker.Reason.Should().Be("drill: staging");
        tracker.DrillActive.Should().BeTrue();
        _time.Advance(TimeSpan.FromSeconds(60));
        tracker.DrillActive.Should().BeFalse();
    }

    [Fact]
    public void A_snapshot_loaded_into_a_new_tracker_keeps_state_history_and_suppression()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("1", out _);
        tracker.Restore("r", out _, out _);
        tracker.Degrade("3", out _);
        tracker.AttemptFailed("nope");
        var snapshot = tracker.Snapshot();

        var reloaded = new DegradationTracker(Policy, _time);
        reloaded.Load(snapshot);

        reloaded.Snapshot().Should().BeEquivalentTo(snapshot);
        reloaded.IsSuppressed.Should().BeTrue();
        snapshot.Problems(_time.GetUtcNow(), Policy).Should().BeEmpty();
    }

    [Fact]
    public void A_state_saved_in_the_future_or_inconsistent_is_not_valid()
    {
        var tracker = new DegradationTracker(Policy, _time);
        tracker.Degrade("boom", out _);
        var good = tracker.Snapshot();

        (good with { SavedAt = _time.GetUtcNow().AddHours(1) }).Problems(_time.GetUtcNow(), Policy).Should().NotBeEmpty();
        (good with { Reason = null }).Problems(_time.GetUtcNow(), Policy).Should().NotBeEmpty();
        (good with { ConsecutiveFailures = -1 }).Problems(_time.GetUtcNow(), Policy).Should().NotBeEmpty();
    }
}
