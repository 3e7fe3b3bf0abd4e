using CadMl.Application.Common.Problems;
using CadMl.Application.Features.GetFeatureVersions;
using CadMl.Application.Migration.PreviewMigration;
using CadMl.Application.Tests.Hosting;

namespace CadMl.Application.Tests.Behaviours;

/// <summary>
/// The Mediator source generator decides from each behaviour's generic constraints which messages
/// it wraps. These run the generated pipeline in a real host, so a constraint a use case no longer
/// meets shows up as a use case that is not timed or not validated.
/// </summary>
public sealed class GeneratedPipelineTests
{
    [Fact]
    public async Task Use_cases_are_timed_by_outcome_and_validated_before_their_handler()
    {
        await using var host = await ApplicationHost.StartAsync();

        (await host.Sender.Send(new GetFeatureVersionsQuery())).IsSuccess.Should().BeTrue();
        var refused = await host.Sender.Send(new PreviewMigrationQuery("v9", Limit: 0));

        refused.ToProblem().Error.Should().BeSameAs(ErrorCodes.InputValidationFailed);
        (await host.MetricAsync("cadml_use_case_duration_seconds_count", "use_case=\"GetFeatureVersions\",outcome=\"ok\"")).Should().Be(1);
        (await host.MetricAsync("cadml_use_case_duration_seconds_count", "use_case=\"PreviewMigration\",outcome=\"invalid\"")).Should().Be(1);
    }
}
