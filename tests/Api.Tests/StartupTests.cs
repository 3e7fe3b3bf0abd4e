using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Api.Tests;

public sealed class StartupTests
{
    [Fact]
    public void The_host_boots_with_scope_and_build_validation_of_every_registration()
    {
        using var factory = new CadMlFactory();

        var act = () => factory.CreateClient();

        act.Should().NotThrow();
    }

    [Fact]
    public void A_registration_with_a_missing_dependency_stops_the_host()
    {
        using var factory = new CadMlFactory
        {
            ConfigureTestServices = services => services.AddSingleton<NeedsSomethingUnregistered>(),
        };

        var act = () => factory.CreateClient();

        act.Should().Throw<AggregateException>().WithMessage("*NeedsSomethingUnregistered*");
    }

    [Fact]
    public async Task In_development_missing_secrets_start_but_nothing_authenticates()
    {
        using var factory = new CadMlFactory(new Dictionary<string, string?> { ["API_KEYS"] = "", ["ADMIN_TOKEN"] = "" })
        {
            EnvironmentName = "Development",
        };
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", "");

        var response = await client.GetAsync("/api/v1/anything");

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
    }

    private sealed class NeedsSomethingUnregistered(IDisposable missing)
    {
        public IDisposable Missing => missing;
    }
}
