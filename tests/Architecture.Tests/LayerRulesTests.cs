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
