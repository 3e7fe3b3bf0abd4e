using CadMl.Domain.Storage;

namespace CadMl.Domain.Tests.Storage;

public sealed class SchemaCompatibilityRuleTests
{
    [Fact]
    public void An_empty_store_is_upgraded_to_the_build_schema()
    {
        SchemaCompatibilityRule.Decide(0, 0, 9).Action.Should().Be(SchemaAction.Upgrade);
    }

    [Fact]
    public void A_store_behind_the_build_is_upgraded()
    {
        SchemaCompatibilityRule.Decide(8, 1, 9).Action.Should().Be(SchemaAction.Upgrade);
    }

    [Fact]
    public void A_store_at_the_build_schema_opens()
    {
        SchemaCompatibilityRule.Decide(9, 1, 9).Action.Should().Be(SchemaAction.Open);
    }

    [Theory]
    [InlineData(10, 9)]
    [InlineData(10, 1)]
    [InlineData(12, 9)]
    public void The_previous_release_stays_ready_against_a_newer_schema_that_only_expanded(int storeVersion, int minCompatible)
    {
        var verdict = SchemaCompatibilityRule.Decide(storeVersion, minCompatible, 9);

        verdict.Action.Should().Be(SchemaAction.Open);
        verdict.Code.Should().BeNull();
    }

    [Fact]
    public void A_build_below_the_store_minimum_is_refused_with_its_code_and_both_versions()
    {
        var verdict = SchemaCompatibilityRule.Decide(11, 10, 9);

        verdict.Action.Should().Be(SchemaAction.Refuse);
        verdict.Code.Should().Be("STORE_SCHEMA_INCOMPATIBLE");
        verdict.Reason.Should().Contain("schema 11").And.Contain("from schema 10").And.Contain("schema 9");
    }
}
