using System.Diagnostics;

namespace CadMl.Api.Tests;

/// <summary>
/// Start-up refusals are checked on the real process, as an operator meets them: a non-zero exit
/// and one line on stderr that names the variable and never echoes a secret.
/// </summary>
public sealed class ProcessStartupTests
{
    private static readonly Dictionary<string, string> GoodSettings = new()
    {
        ["API_KEYS"] = "process-test-key-0123456789",
        ["ADMIN_TOKEN"] = "process-test-admin-0123456789",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    };

    [Theory]
    [InlineData("API_KEYS", "")]
    [InlineData("API_KEYS", "tiny-k3y")]
    [InlineData("ADMIN_TOKEN", "")]
    [InlineData("ADMIN_TOKEN", "too-weak")]
    public async Task Outside_development_missing_or_weak_secrets_refuse_start_naming_the_variable(string variable, string value)
    {
        var (exitCode, stderr) = await StartAsync(new() { [variable] = value });

        exitCode.Should().NotBe(0);
        stderr.Should().Contain("refusing to start").And.Contain(variable);
        if (value.Length > 0)
        {
            stderr.Should().NotContain(value);
        }
    }

    [Theory]
    [InlineData("MODEL_MAX_MB", "abc")]
    [InlineData("FEATURE_CACHE_CAPACITY", "0")]
    [InlineData("FEATURE_CACHE_CAPACITY", "250001")]
    [InlineData("FAISS_RECOVERY_FLAP_THRESHOLD", "-1")]
    [InlineData("MODEL_OPCODE_MODE", "yolo")]
    [InlineData("FEATURE_VERSION", "v9")]
    [InlineData("ALLOWED_MODEL_HASHES", "abc123")]
    [InlineData("PARSE_TIMEOUT_SECONDS", "0")]
    [InlineData("FAISS_INDEX_TYPE", "annoy")]
    [InlineData("FAISS_IVF_NPROBE", "0")]
    [InlineData("ANALYSIS_MAX_IN_FLIGHT", "-1")]
    [InlineData("ANALYSIS_UPLOAD_BUDGET_MB", "10")]
    [InlineData("ANALYSIS_RETRY_AFTER_SECONDS", "0")]
    [InlineData("REPLICA_URL", "ftp://127.0.0.1:21")]
    [InlineData("REPLICA_URL", "http://127.0.0.1:8081/api")]
    public async Task A_bad_configuration_value_stops_start_up_naming_the_variable(string variable, string value)
    {
        var (exitCode, stderr) = await StartAsync(new() { [variable] = value });

        exitCode.Should().Be(2, stderr);
        stderr.Should().Contain("refusing to start").And.Contain(variable);
    }

    private static async Task<(int ExitCode, string Stderr)> StartAsync(Dictionary<string, string> overrides)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-process-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (key, value) in GoodSettings.Concat(overrides.Select(o => new KeyValuePair<string, string>(o.Key, o.Value))))
        {
            start.Environment[key] = value;
        }

        start.Environment["DATA_DIR"] = dataDir;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The service started instead of refusing the configuration.");
        }

        return (process.ExitCode, await stderr);
    }
}
