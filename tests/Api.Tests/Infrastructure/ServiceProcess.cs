using System.Diagnostics;
using System.Net;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>
/// The service as a real child process on a free loopback port, for tests that must kill it
/// (kill -9) or see what an operator sees. Stopped and killed on dispose.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    /// <param name="requireReady">False for tests of a refused start: wait until it serves /health, not /ready.</param>
    public static async Task<ServiceProcess> StartAsync(string dataDir, IDictionary<string, string>? settings = null, bool requireReady = true)
    {
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["API_KEYS"] = CadMlFactory.ApiKey;
        start.Environment["ADMIN_TOKEN"] = CadMlFactory.AdminToken;
        start.Environment["DATA_DIR"] = dataDir;
        // Where fleet peers forward per-replica admin operations (harmless on a single SQLite node).
        start.Environment["REPLICA_URL"] = $"http://127.0.0.1:{port}";
        start.Environment["MODEL_DIR"] = Path.Combine(dataDir, "models");

        // /ready needs a serving model: the same test classifier the in-memory hosts start with.
        var model = TestModels.Classifier(CadMlFactory.StartupModelVersion).Bytes();
        Directory.CreateDirectory(Path.Combine(dataDir, "models"));
        File.WriteAllBytes(Path.Combine(dataDir, "models", CadMlFactory.StartupModelFile), model);
        start.Environment["MODEL_FILE"] = CadMlFactory.StartupModelFile;
        start.Environment["ALLOWED_MODEL_HASHES"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model));
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, port);
        await service.WaitReadyAsync(TimeSpan.FromSeconds(60), requireReady ? "/ready" : "/health");
        return service;
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", CadMlFactory.ApiKey);
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushes — what a power cut or OOM kill does.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the graceful stop a supervisor sends (the index is saved, the WAL checkpointed).</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan limit, string path)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Poll.UntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The service exited with code {_process.ExitCode} before it was ready.");
                }

                try
                {
                    return (await client.GetAsync(path)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
                catch (TaskCanceledException)
                {
                    return false; // slow start on a busy machine
                }
            },
            limit,
            $"The service answering 200 on {path}");
    }
}
