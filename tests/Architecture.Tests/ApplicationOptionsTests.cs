using System.Reflection;
using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Configuration;

namespace CadMl.Architecture.Tests;

/// <summary>
/// The options the Application binds are policy: limits, windows, thresholds, which swap point to
/// use. How an adapter talks to its technology (a Redis address, an HNSW degree, the native
/// library's folder, an ONNX execution provider) belongs to that adapter's own options type, so
/// replacing the adapter never touches a use case.
/// </summary>
public sealed class ApplicationOptionsTests
{
    private static readonly string[] AdapterWords = ["REDIS", "HNSW", "IVF", "NATIVE", "EXECUTION_PROVIDER"];

    [Fact]
    public void Application_options_bind_no_adapter_setting()
    {
        var options = typeof(CadMl.Application.DependencyInjection).Assembly.GetTypes()
            .Where(t => t.IsClass && typeof(IValidatedOptions).IsAssignableFrom(t))
            .ToList();

        options.Should().NotBeEmpty();
        options.SelectMany(AdapterSettings).Should().BeEmpty();
    }

    [Fact]
    public void The_check_does_see_an_adapter_setting()
    {
        AdapterSettings(typeof(CadMl.Infrastructure.Models.OnnxRuntimeOptions)).Should().Equal("OnnxRuntimeOptions.MODEL_EXECUTION_PROVIDER");
    }

    private static IEnumerable<string> AdapterSettings(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
            .OfType<string>()
            .Where(key => AdapterWords.Any(word => key.Contains(word, StringComparison.Ordinal)))
            .Select(key => $"{options.Name}.{key}");
}
