using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Observability;

/// <summary>
/// A real Prometheus (Debian's package) on a free loopback port, scraping one target every second
/// and evaluating a test copy of the alert rules in which every <c>for:</c> is zero, so an alert is
/// firing as soon as its expression is true. Everything lives in a temp folder and is removed.
/// </summary>
public sealed partial class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public static async Task<PrometheusServer> StartAsync(Uri target)
    {
        var binary = File.Exists("/usr/bin/prometheus")
            ? "/usr/bin/prometheus"
            : throw new InvalidOperationException("prometheus is not installed; build/test installs the Debian package 'prometheus'.");
        var folder = Path.Combine(Path.GetTempPath(), "cadml-prometheus", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var rules = await File.ReadAllTextAsync(RepositoryPaths.Combine("observability", "prometheus", "rules", "cad_ml_phase5_alerts.yaml"));
        await File.WriteAllTextAsync(Path.Combine(folder, "rules.yaml"), ForClause().Replace(rules, "$1for: 0s"));
        await File.WriteAllTextAsync(Path.Combine(folder, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - rules.yaml
            scrape_configs:
              - job_name: cadml
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target.Authority}']
                    labels:
                      track: stable
                      replica: stable-1
              # The same process a second time as the canary (observability/prometheus/scrape_fleet.yml
              # sets track and replica as target labels), so the canary-vs-stable panels have both sides.
              - job_name: cadml-canary
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target.Authority}']
                    labels:
                      track: canary
                      replica: canary-1
            """);

        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={Path.Combine(folder, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(folder, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, folder, port);
        await server.WaitUntilAsync(async () => (await server._http.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "Prometheus ready");
        await server.WaitUntilAsync(async () => (await server.QueryAsync("up{job=\"cadml\"} == 1")).GetArrayLength() == 1, TimeSpan.FromSeconds(60), "target scraped");
        return server;
    }

    /// <summary>An instant query; throws when Prometheus cannot parse or run it.</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        var response = await _http.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused '{promql}': {body}");
        }

        return body.GetProperty("data").GetProperty("result");
    }

    /// <summary>Waits until the alert is firing in Prometheus itself (the ALERTS series), or fails with what is firing.</summary>
    public Task WaitForFiringAsync(string alert, TimeSpan limit) =>
        WaitUntilAsync(
            async () => (await QueryAsync($"ALERTS{{alertname=\"{alert}\",alertstate=\"firing\"}}")).GetArrayLength() > 0,
            limit,
            $"alert {alert} firing");

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    if (_process.HasExited)
                    {
                        throw new InvalidOperationException($"Prometheus exited with code {_process.ExitCode} while waiting for {what}.");
                    }

                    try
                    {
                        return await condition();
                    }
                    catch (HttpRequestException)
                    {
                        return false; // not listening yet
                    }
                },
                limit,
                what);
        }
        catch (TimeoutException)
        {
            // What is firing instead is the fact that explains a missed alert.
            var firing = await QueryAsync("ALERTS{alertstate=\"firing\"}");
            throw new TimeoutException($"Waited {limit} for {what}; firing now: {firing}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [GeneratedRegex(@"^(\s*)for: \S+", RegexOptions.Multiline)]
    private static partial Regex ForClause();
}
