using CadMl.Domain.Storage;

namespace CadMl.Domain.Tests.Storage;

public sealed class StoreStartupRuleTests
{
    private static readonly StoreObservation Healthy = new("aaa", 10, "aaa", true, "aaa", 10, 10);

    [Fact]
    public void A_store_with_its_own_artefacts_opens()
    {
        StoreStartupRule.Decide(Healthy, null).Outcome.Should().Be(StoreStartupOutcome.Open);
    }

    [Fact]
    public void A_first_start_with_nothing_in_the_folder_opens_a_new_store()
    {
        var verdict = StoreStartupRule.Decide(new StoreObservation(null, 0, null, false, null, 0, 0), null);

        verdict.Opens.Should().BeTrue();
        verdict.MoveAside.Should().BeFalse();
    }

    [Fact]
    public void A_blank_database_in_a_folder_that_recorded_a_store_is_missing_and_names_that_store()
    {
        var verdict = StoreStartupRule.Decide(Healthy with { DatabaseStoreId = null, DatabaseGeneration = 0 }, null);

        verdict.Should().Match<StoreVerdict>(v => v.Outcome == StoreStartupOutcome.Missing && v.Code == "STORE_MISSING" && v.LostStore == "aaa" && !v.Opens);
    }

    [Fact]
    public void A_blank_database_next_to_a_legacy_snapshot_with_vectors_is_missing_an_unidentified_store()
    {
        var verdict = StoreStartupRule.Decide(new StoreObservation(null, 0, null, true, null, 3505, 3505), null);

        verdict.Outcome.Should().Be(StoreStartupOutcome.Missing);
        verdict.LostStore.Should().Be(StoreStartupRule.UnknownStore);
    }

    [Fact]
    public void An_empty_snapshot_next_to_a_blank_database_proves_no_loss()
    {
        StoreStartupRule.Decide(new StoreObservation(null, 0, null, true, null, 0, 0), null).Outcome.Should().Be(StoreStartupOutcome.Open);
    }

    [Theory]
    [InlineData("bbb", "aaa")]
    [InlineData(null, "bbb")]
    public void A_database_of_another_store_is_a_mismatch(string? recorded, string? snapshot)
    {
        var verdict = StoreStartupRule.Decide(new StoreObservation("ccc", 10, recorded, snapshot is not null, snapshot, 10, 10), null);

        verdict.Outcome.Should().Be(StoreStartupOutcome.IdentityMismatch);
        verdict.LostStore.Should().Be(recorded ?? snapshot);
    }

    [Fact]
    public void A_database_behind_its_own_snapshot_has_rolled_back()
    {
        var verdict = StoreStartupRule.Decide(Healthy with { DatabaseGeneration = 7 }, null);

        verdict.Outcome.Should().Be(StoreStartupOutcome.RolledBack);
        verdict.LostStore.Should().Be("aaa");
    }

    [Fact]
    public void A_snapshot_behind_the_database_is_only_stale_and_opens()
    {
        StoreStartupRule.Decide(Healthy with { DatabaseGeneration = 12 }, null).Outcome.Should().Be(StoreStartupOutcome.Open);
    }

    [Fact]
    public void Only_the_exact_lost_store_id_accepts_the_loss_and_moves_artefacts_aside()
    {
        var missing = Healthy with { DatabaseStoreId = null, DatabaseGeneration = 0 };

        StoreStartupRule.Decide(missing, "bbb").Opens.Should().BeFalse();
        StoreStartupRule.Decide(missing, "true").Opens.Should().BeFalse();
        var accepted = StoreStartupRule.Decide(missing, " aaa ");
        accepted.Opens.Should().BeTrue();
        accepted.MoveAside.Should().BeTrue();
    }

    [Fact]
    public void An_acceptance_left_in_the_environment_changes_nothing_for_a_healthy_store()
    {
        var verdict = StoreStartupRule.Decide(Healthy, "aaa");

        verdict.Outcome.Should().Be(StoreStartupOutcome.Open);
        verdict.MoveAside.Should().BeFalse();
    }
}
