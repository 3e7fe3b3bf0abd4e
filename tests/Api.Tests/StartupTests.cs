using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

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

    [Theory]
    [InlineData("API_KEYS", "")]
    [InlineData("API_KEYS", "tiny-k3y")]
    [InlineData("ADMIN_TOKEN", "")]
    [InlineData("ADMIN_TOKEN", "too-short")]
    public void Outside_development_missing_or_weak_secrets_refuse_start_naming_the_variable(string variable, string value)
    {
        using var factory = new CadMlFactory(new Dictionary<string, string?> { [variable] = value }) { EnvironmentName = "Production" };

        var act = () => factory.CreateClient();

        act.Should().Throw<OptionsValidationException>().WithMessage($"*{variable}*")
            .Which.Message.Should().NotContain(value.Length > 0 ? value : "\u0000");
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

    [Theory]
    [InlineData("MODEL_MAX_MB", "abc")]
    [InlineData("FEATURE_CACHE_CAPACITY", "0")]
    [InlineData("FAISS_RECOVERY_FLAP_THRESHOLD", "-1")]
    [InlineData("MODEL_OPCODE_MODE", "yolo")]
    [InlineData("FEATURE_VERSION", "v9")]
    [InlineData("ALLOWED_MODEL_HASHES", "abc123")]
    [InlineData("PARSE_TIMEOUT_SECONDS", "0")]
    public void A_bad_configuration_value_stops_start_up_naming_the_variable(string variable, string value)
    {
        using var factory = new CadMlFactory(new Dictionary<string, string?> { [variable] = value });

        var act = () => factory.CreateClient();

        act.Should().Throw<Exception>().Where(e => e.Message.Contains(variable, StringComparison.Ordinal));
    }

    private sealed class NeedsSomethingUnregistered(IDisposable missing)
    {
        public IDisposable Missing => missing;
    }
}
