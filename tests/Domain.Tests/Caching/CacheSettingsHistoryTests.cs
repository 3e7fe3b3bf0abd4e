using CadMl.Domain.Caching;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Domain.Tests.Caching;

public sealed class CacheSettingsHistoryTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(300);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly CacheSettingsHistory _initial = new(new CacheSettings(1024, 0), null);

    [Fact]
    public void Apply_records_the_previous_settings_and_opens_the_window()
    {
        var decision = _initial.DecideApply(new CacheSettings(256, 60), _time.GetUtcNow(), Window);

        var apply = decision.Should().BeOfType<ApplyDecision.Apply>().Subject;
        apply.Next.Current.Should().Be(new CacheSettings(256, 60));
        apply.Snapshot.Previous.Should().Be(new CacheSettings(1024, 0));
        apply.Snapshot.AppliedAt.Should().Be(_time.GetUtcNow());
        apply.Snapshot.CanRollbackUntil.Should().Be(_time.GetUtcNow() + Window);
    }

    [Fact]
    public void A_second_apply_is_refused_until_the_last_instant_of_the_window()
    {
        var history = Applied(out var snapshot);
        _time.Advance(Window - TimeSpan.FromTicks(1));

        history.DecideApply(new CacheSettings(8, 0), _time.GetUtcNow(), Window)
            .Should().Be(new ApplyDecision.WindowActive(snapshot.CanRollbackUntil));
    }

    [Fact]
    public void Apply_is_allowed_again_exactly_when_the_window_closes()
    {
        var history = Applied(out _);
        _time.Advance(Window);

        history.DecideApply(new CacheSettings(8, 0), _time.GetUtcNow(), Window)
            .Should().BeOfType<ApplyDecision.Apply>().Which.Snapshot.Previous.Should().Be(new CacheSettings(256, 60));
    }

    [Fact]
    public void Rollback_inside_the_window_restores_exactly_the_previous_settings_and_clears_the_snapshot()
    {
        var history = Applied(out _);
        _time.Advance(Window - TimeSpan.FromTicks(1));

        var restore = history.DecideRollback(_time.GetUtcNow()).Should().BeOfType<RollbackDecision.Restore>().Subject;

        restore.Restored.Should().Be(new CacheSettings(1024, 0));
        restore.Next.Should().Be(new CacheSettingsHistory(new CacheSettings(1024, 0), null));
        restore.Next.DecideRollback(_time.GetUtcNow()).Should().BeOfType<RollbackDecision.NothingToRollBack>();
    }

    [Fact]
    public void Rollback_is_refused_after_the_window_closes()
    {
        var history = Applied(out var snapshot);
        _time.Advance(Window);

        history.DecideRollback(_time.GetUtcNow()).Should().Be(new RollbackDecision.Expired(snapshot.CanRollbackUntil));
    }

    [Fact]
    public void Rollback_without_a_snapshot_has_nothing_to_restore()
    {
        _initial.DecideRollback(_time.GetUtcNow()).Should().BeOfType<RollbackDecision.NothingToRollBack>();
    }

    [Fact]
    public void A_snapshot_from_the_future_is_not_an_open_window()
    {
        var future = new CacheSettingsSnapshot(new CacheSettings(1, 0), new CacheSettings(2, 0), _time.GetUtcNow().AddHours(1), _time.GetUtcNow().AddHours(2));

        future.IsOpenAt(_time.GetUtcNow()).Should().BeFalse();
    }

    [Theory]
    [InlineData(null, null, "capacity")]
    [InlineData(0, null, "capacity")]
    [InlineData(-5, 10, "capacity")]
    [InlineData(10, -1, "ttl_seconds")]
    public void Invalid_changes_name_the_offending_field(int? capacity, int? ttl, string field)
    {
        CacheSettings.Problems(capacity, ttl).Should().ContainSingle().Which.Field.Should().Be(field);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(null, 0)]
    [InlineData(4096, 3600)]
    public void Valid_changes_have_no_problems(int? capacity, int? ttl)
    {
        CacheSettings.Problems(capacity, ttl).Should().BeEmpty();
    }

    private CacheSettingsHistory Applied(out CacheSettingsSnapshot snapshot)
    {
        var apply = (ApplyDecision.Apply)_initial.DecideApply(new CacheSettings(256, 60), _time.GetUtcNow(), Window);
        snapshot = apply.Snapshot;
        return apply.Next;
    }
}
