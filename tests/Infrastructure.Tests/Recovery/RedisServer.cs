using System.Diagnostics;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Tests.Shared;
using StackExchange.Redis;

namespace CadMl.Infrastructure.Tests.Recovery;

/// <summary>
/// A real redis-server (Debian's, installed by build/test-deps) on a free loopback port in a
/// temp folder, stopped when the tests finish. Missing binary = failure with the reason, not a skip.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private string? _dir;

    public int Port { get; private set; }

    public string Url => $"redis://127.0.0.1:{Port}/0";

    public async Task InitializeAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed; run build/test-deps (apt-get install redis-server).");
        _dir = Directory.CreateTempSubdirectory("cadml-redis").FullName;
        Port = LoopbackPorts.Free();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
        await Poll.UntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} before it answered.");
                }

                try
                {
                    using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},connectTimeout=500");
                    await connection.GetDatabase().PingAsync();
                    return true;
                }
                catch (RedisConnectionException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(15),
            "redis-server answering PING");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
