using CadMl.Api;
using CadMl.Application;
using CadMl.Infrastructure;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

// Defaults under every other source (Logging__LogLevel__* still overrides): the framework's
// per-request Information lines cost a console write each and halved throughput under load
// (docs/PERFORMANCE.md); warnings and errors are still logged.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    },
});

// Loopback by default: exposing the service is an explicit decision (ASPNETCORE_URLS or --urls).
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{builder.Configuration["PORT"] ?? "8080"}");
}

builder.Host.UseDefaultServiceProvider(provider =>
{
    provider.ValidateOnBuild = true;
    provider.ValidateScopes = true;
});

builder.Services
    .AddApplication(builder.Configuration)
    .AddInfrastructure(builder.Configuration)
    .AddApi(builder.Configuration);

var app = builder.Build();
app.UseApi();

try
{
    await app.RunAsync();
}
catch (Exception exception) when (exception is OptionsValidationException or InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" })
{
    // A configuration mistake is the operator's to fix: one line naming the variable, exit 2.
    await Console.Error.WriteLineAsync($"cadml: refusing to start: {exception.Message}");
    Environment.ExitCode = 2;
}

/// <summary>Entry point type, visible to the end-to-end tests' host factory.</summary>
public partial class Program;
