using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Tests.Storage;

public sealed class StoreStatusTests
{
    private static readonly Dictionary<string, object?> Facts = new() { ["backend"] = "postgres" };

    [Fact]
    public void An_open_store_that_stops_answering_is_unready_and_comes_back_to_the_condition_it_had()
    {
        var status = new StoreStatus("postgres", 2);
        status.MarkOpen("store-1", "postgres open", Facts);
        var open = status.Condition;

        status.MarkUnreachable("no answer", Facts).Should().BeTrue();
        status.IsReady.Should().BeFalse();
        status.Condition.State.Should().Be(StoreState.Unreachable);
        status.Condition.Code.Should().Be("STORE_UNAVAILABLE");
        status.MarkUnreachable("still no answer", Facts).Should().BeFalse("one transition per outage");

        status.MarkReachable().Should().BeTrue();
        status.Condition.Should().BeSameAs(open);
        status.IsReady.Should().BeTrue();
        status.MarkReachable().Should().BeFalse();
    }

    [Fact]
    public void Reachability_never_overrides_a_refusal_damage_or_a_failed_start()
    {
        var refused = new StoreStatus("postgres", 2);
        refused.MarkRefused("STORE_SCHEMA_INCOMPATIBLE", "too old", Facts);
        refused.MarkUnreachable("no answer", Facts).Should().BeFalse();
        refused.MarkReachable().Should().BeFalse();
        refused.Condition.Code.Should().Be("STORE_SCHEMA_INCOMPATIBLE");

        var damaged = new StoreStatus("postgres", 2);
        damaged.MarkOpen("store-1", "postgres open", Facts);
        damaged.MarkUnreachable("no answer", Facts);
        damaged.MarkDamaged("corrupt");
        damaged.MarkReachable().Should().BeFalse();
        damaged.Condition.State.Should().Be(StoreState.Damaged);
    }
}
