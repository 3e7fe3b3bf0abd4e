using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Observability;

public sealed class DrillModelTests
{
    [Fact]
    public void The_committed_blocked_operator_drill_model_is_the_generator_output()
    {
        var committed = File.ReadAllBytes(RepositoryPaths.Combine("models", "drills", "blocked-operator.onnx"));

        var generated = TestModels.Classifier("drill-blocked-operator").WithOpInIfBranch().Bytes();

        committed.Should().Equal(generated, "models/drills/blocked-operator.onnx must be regenerated from TestModels when the generator changes");
    }
}
