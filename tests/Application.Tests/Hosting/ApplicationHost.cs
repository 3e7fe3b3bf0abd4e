using CadMl.Infrastructure;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace CadMl.Application.Tests.Hosting;

/// <summary>
/// The real composition (AddApplication + AddInfrastructure) with a temp data folder, its hosted
/// services started as the web host would start them. Handlers run through the real Mediator pipeline.
/// </summary>
public sealed class ApplicationHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _started = [];
    private readonly bool _ownsDataDir;
    private readonly AsyncServiceScope _scope;

    private ApplicationHost(ServiceProvider services, string dataDir, bool ownsDataDir)
    {
        _services = services;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        _scope = services.CreateAsyncScope();
    }

    public string DataDir { get; }

    public IServiceProvider Services => _services;

    /// <summary>Mediator is scoped (as per request in the web host); one scope serves the test.</summary>
    public ISender Sender => _scope.ServiceProvider.GetRequiredService<ISender>();

    /// <summary>
    /// Starts a host; pass <paramref name="dataDir"/> to reopen an earlier host's data (a restart).
    /// A given folder is kept unless <paramref name="ownsDataDir"/> hands it to this host to delete.
    /// </summary>
    public static async Task<ApplicationHost> StartAsync(
        IDictionary<string, string?>? settings = null,
        string? dataDir = null,
        Action<IServiceCollection>? configure = null,
        bool ownsDataDir = false)
    {
        ownsDataDir |= dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "cadml-app-tests", Guid.NewGuid().ToString("N"));
        var values = new Dictionary<string, string?> { ["DATA_DIR"] = dataDir };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new TestEnvironment(dataDir));
        services.AddApplication(configuration).AddInfrastructure(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var host = new ApplicationHost(provider, dataDir, ownsDataDir);
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            host._started.Add(hosted);
        }

        return host;
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The value of one sample in this host's own metrics registry (0 when absent).</summary>
    public async Task<double> MetricAsync(string name, string labels = "")
    {
        using var stream = new MemoryStream();
        await _services.GetRequiredService<CollectorRegistry>().CollectAndExportAsTextAsync(stream);
        var prefix = labels.Length == 0 ? name + " " : $"{name}{{{labels}}} ";
        var line = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Stops like a graceful shutdown (hosted services stop in reverse order) and keeps the data folder.</summary>
    public async Task StopAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].StopAsync(CancellationToken.None);
        }

        _started.Clear();
        await _scope.DisposeAsync();
        await _services.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_started.Count > 0)
        {
            await StopAsync();
        }

        if (_ownsDataDir && Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>Development, as on a developer's machine: an empty model hash list is allowed there.</summary>
    private sealed class TestEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;

        public string ApplicationName { get; set; } = "CadMl.Application.Tests";

        public string ContentRootPath { get; set; } = root;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } =
            new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
