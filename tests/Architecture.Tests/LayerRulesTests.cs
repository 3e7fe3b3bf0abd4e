using System.Reflection;
using NetArchTest.Rules;

namespace CadMl.Architecture.Tests;

/// <summary>Dependencies point inwards only. One table; a row is a layer and what it must never see.</summary>
public sealed class LayerRulesTests
{
    private static readonly Assembly Domain = typeof(CadMl.Domain.Cad.CadDocument).Assembly;
    private static readonly Assembly Application = typeof(CadMl.Application.DependencyInjection).Assembly;
    private static readonly Assembly Infrastructure = typeof(CadMl.Infrastructure.DependencyInjection).Assembly;
    private static readonly Assembly Api = typeof(CadMl.Api.DependencyInjection).Assembly;

    public static TheoryData<string, string[]> ForbiddenDependencies => new()
    {
        {
            "Domain",
            [
                "CadMl.Application", "CadMl.Infrastructure", "CadMl.Api",
                "Microsoft.Extensions", "Microsoft.AspNetCore", "Mediator", "FluentValidation", "Ardalis",
                "Prometheus", "Microsoft.ML", "Microsoft.Data", "System.IO", "System.Net", "System.Data",
            ]
        },
        {
            "Application",
            [
                "CadMl.Infrastructure", "CadMl.Api", "Microsoft.AspNetCore", "Microsoft.ML", "Prometheus", "Microsoft.Data", "StackExchange.Redis",
                // Hosting is the composition root's concern: a use case asks a port (IDeploymentEnvironment), never IHostEnvironment.
                "Microsoft.Extensions.Hosting", "System.Runtime.InteropServices", "System.Net.Http",
            ]
        },
        { "Infrastructure", ["CadMl.Api", "Microsoft.AspNetCore"] },
    };

    [Theory]
    [MemberData(nameof(ForbiddenDependencies))]
    public void A_layer_never_depends_on_what_lies_outside_it(string layer, string[] forbidden)
    {
        var offenders = Offenders(LayerAssembly(layer), forbidden);

        offenders.Should().BeEmpty($"{layer} must not depend on {string.Join(", ", forbidden)}");
    }

    /// <summary>
    /// When to retry, how long to back off, when flapping suppresses recovery and when a manual
    /// attempt is refused are Application use cases over these Domain types; Infrastructure only
    /// builds or loads FAISS and reports what happened, so it must not even see them.
    /// </summary>
    public static readonly string[] RecoveryPolicyTypes =
    [
        "CadMl.Domain.Degradation.DegradationTracker",
        "CadMl.Domain.Degradation.RecoveryPolicy",
        "CadMl.Domain.Degradation.FlapDetector",
        "CadMl.Domain.Degradation.AttemptDecision",
        "CadMl.Application.Common.Configuration.RecoveryPolicyOptions",
    ];

    [Fact]
    public void Infrastructure_makes_no_recovery_decision()
    {
        Offenders(Infrastructure, RecoveryPolicyTypes).Should().BeEmpty("recovery decisions are the Application's (src/Application/Faiss)");
    }

    [Fact]
    public void The_recovery_policy_check_does_see_a_policy_user()
    {
        // The Application's degradation owner holds the tracker; the check must flag it, or it proves nothing.
        Offenders(Application, RecoveryPolicyTypes).Should().Contain(name => name.EndsWith(".FaissDegradation", StringComparison.Ordinal));
    }

    [Fact]
    public void The_rule_check_does_flag_a_real_dependency()
    {
        // This test assembly depends on FluentAssertions; the check must see it, or it proves nothing.
        Offenders(typeof(LayerRulesTests).Assembly, ["FluentAssertions"]).Should().NotBeEmpty();
    }

    private static List<string> Offenders(Assembly assembly, string[] forbidden)
    {
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames ?? []];
    }

    private static Assembly LayerAssembly(string layer) => layer switch
    {
        "Domain" => Domain,
        "Application" => Application,
        "Infrastructure" => Infrastructure,
        "Api" => Api,
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer, null),
    };
}
