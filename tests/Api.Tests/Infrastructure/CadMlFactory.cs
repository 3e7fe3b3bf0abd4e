using System.Security.Cryptography;
using CadMl.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>
/// The real host, in-memory, with its own data folder and strong secrets, in a non-Development
/// environment so the fail-closed rules are the ones under test. Settings can be overridden per test.
/// </summary>
public class CadMlFactory : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key-0123456789";
    public const string RotatedApiKey = "rotated-api-key-9876543210";
    public const string AdminToken = "test-admin-token-0123456789";

    /// <summary>The model every test host starts with (MODEL_FILE in MODEL_DIR), listed in ALLOWED_MODEL_HASHES.</summary>
    public const string StartupModelFile = "cadml-part-classifier.onnx";

    public const string StartupModelVersion = "startup-test-1";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataDir;

    public CadMlFactory(IDictionary<string, string?>? overrides = null)
    {
        _ownsDataDir = overrides?.ContainsKey("DATA_DIR") != true;
        DataDir = overrides?.TryGetValue("DATA_DIR", out var shared) == true && shared is not null
            ? shared
            : Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));
        ModelDir = Path.Combine(DataDir, "models");
        Directory.CreateDirectory(ModelDir);
        var startupModel = TestModels.Classifier(StartupModelVersion).Bytes();
        File.WriteAllBytes(Path.Combine(ModelDir, StartupModelFile), startupModel);
        StartupModelSha256 = Convert.ToHexStringLower(SHA256.HashData(startupModel));
        _settings = new Dictionary<string, string?>
        {
            ["API_KEYS"] = $"{ApiKey},{RotatedApiKey}",
            ["ADMIN_TOKEN"] = AdminToken,
            ["DATA_DIR"] = DataDir,
            ["MODEL_DIR"] = ModelDir,
            ["MODEL_FILE"] = StartupModelFile,
            ["ALLOWED_MODEL_HASHES"] = StartupModelSha256,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataDir { get; }

    public string ModelDir { get; }

    public string StartupModelSha256 { get; }

    public string EnvironmentName { get; init; } = "Testing";

    /// <summary>A fresh folder for tests that restart the service on the same data; delete it when done.</summary>
    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Extra registrations for a test (e.g. the probe controllers of this assembly).</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    public HttpClient CreateAuthenticatedClient(bool admin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
        if (admin)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Token", AdminToken);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseDefaultServiceProvider(provider =>
        {
            provider.ValidateOnBuild = true;
            provider.ValidateScopes = true;
        });
        if (ConfigureTestServices is not null)
        {
            builder.ConfigureServices(ConfigureTestServices);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // A data folder passed in belongs to the test (e.g. to restart on the same data).
        if (disposing && _ownsDataDir && Directory.Exists(DataDir))
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still open by a background service; the temp folder is cleaned by the OS.
            }
        }
    }
}
