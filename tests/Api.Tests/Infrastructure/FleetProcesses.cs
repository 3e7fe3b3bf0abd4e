using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CadMl.Tests.Shared;
using Npgsql;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>
/// A fleet of real processes on loopback, the way build/fleet runs one: a PostgreSQL server, N
/// replicas of the service (each its own data folder, all on one DATABASE_URL, REPLICA_ID and
/// TRACK set) started together, and HAProxy in front with weights, /ready health checks and a
/// runtime socket. The HAProxy configuration is the one build/fleet writes (`build/fleet
/// haproxy-config`). Everything is stopped and deleted on dispose.
/// </summary>
public sealed class FleetProcesses : IAsyncDisposable
{
    private readonly string _dir;
    private Process? _haproxy;

    private FleetProcesses(string dir, PostgresServer postgres, string databaseUrl, IReadOnlyList<FleetReplica> replicas)
    {
        _dir = dir;
        Postgres = postgres;
        DatabaseUrl = databaseUrl;
        Replicas = replicas;
    }

    public PostgresServer Postgres { get; }

    public string DatabaseUrl { get; }

    public IReadOnlyList<FleetReplica> Replicas { get; }

    public Uri BalancerAddress { get; private set; } = null!;

    public string Socket => Path.Combine(_dir, "haproxy.sock");

    /// <summary>The fleet `build/fleet up` starts: two stable replicas and a canary at 45/45/10.</summary>
    public static Task<FleetProcesses> StartCanaryFleetAsync() =>
        StartAsync([("stable-1", "stable", 45), ("stable-2", "stable", 45), ("canary-1", "canary", 10)]);

    /// <param name="replicas">Replica id, track and HAProxy weight of each replica, in server order.</param>
    public static async Task<FleetProcesses> StartAsync(IReadOnlyList<(string Id, string Track, int Weight)> replicas)
    {
        var dir = Directory.CreateTempSubdirectory("cadml-fleet").FullName;
        var postgres = await PostgresServer.StartAsync();
        var url = await postgres.CreateDatabaseAsync();
        // Together, as a deploy starts them: the schema lock is what keeps their migrations apart.
        var started = await Task.WhenAll(replicas.Select(async r => new FleetReplica(r.Id, r.Track, r.Weight,
            await ServiceProcess.StartAsync(Path.Combine(dir, r.Id), new Dictionary<string, string>
            {
                ["STORE_BACKEND"] = "postgres",
                ["DATABASE_URL"] = url,
                ["REPLICA_ID"] = r.Id,
                ["TRACK"] = r.Track,
            }))));
        var fleet = new FleetProcesses(dir, postgres, url, started);
        await fleet.StartBalancerAsync();
        return fleet;
    }

    public HttpClient CreateBalancerClient()
    {
        var client = new HttpClient { BaseAddress = BalancerAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", CadMlFactory.ApiKey);
        return client;
    }

    /// <summary>One HAProxy runtime command (the admin socket takes one per connection); returns its answer.</summary>
    public async Task<string> RuntimeAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    /// <summary>A scalar from the shared store, read directly (what the store holds, not what a replica says).</summary>
    public async Task<T> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(CadMl.Infrastructure.Storage.Postgres.PostgresDatabase.ConnectionString(DatabaseUrl));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_haproxy is { HasExited: false } haproxy)
        {
            haproxy.Kill();
            await haproxy.WaitForExitAsync();
        }

        _haproxy?.Dispose();
        foreach (var replica in Replicas)
        {
            await replica.Process.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task StartBalancerAsync()
    {
        var port = LoopbackPorts.Free();
        BalancerAddress = new Uri($"http://127.0.0.1:{port}");
        // The configuration is build/fleet's own (one generator), with this fleet's socket, ports and weights.
        var generate = new ProcessStartInfo(RepositoryPaths.Combine("build", "fleet"))
        {
            ArgumentList = { "haproxy-config", Socket, Path.Combine(_dir, "haproxy.pid"), port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var replica in Replicas)
        {
            generate.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{replica.Id}:{replica.Process.BaseAddress.Port}:{replica.Weight}"));
        }

        string config;
        using (var generator = Process.Start(generate)!)
        {
            var error = generator.StandardError.ReadToEndAsync();
            config = await generator.StandardOutput.ReadToEndAsync();
            await generator.WaitForExitAsync();
            if (generator.ExitCode != 0)
            {
                throw new InvalidOperationException($"build/fleet haproxy-config failed ({generator.ExitCode}): {await error}");
            }
        }

        var path = Path.Combine(_dir, "haproxy.cfg");
        await File.WriteAllTextAsync(path, config);
        var start = new ProcessStartInfo("haproxy") { ArgumentList = { "-db", "-f", path }, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        try
        {
            _haproxy = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("haproxy is not installed; build/test-deps installs the Debian package 'haproxy'.", exception);
        }

        _haproxy.OutputDataReceived += (_, _) => { };
        _haproxy.ErrorDataReceived += (_, _) => { };
        _haproxy.BeginOutputReadLine();
        _haproxy.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = BalancerAddress, Timeout = TimeSpan.FromSeconds(2) };
        await Poll.UntilAsync(
            async () =>
            {
                try
                {
                    // Every server must have passed its checks, or the first split is skewed.
                    var state = await RuntimeAsync("show servers state replicas");
                    return Replicas.All(r => state.Split('\n').Any(line => line.Contains($" {r.Id} ", StringComparison.Ordinal) && line.Split(' ')[5] == "2"));
                }
                catch (SocketException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "HAProxy seeing every replica up");
    }
}

/// <summary>One replica of a <see cref="FleetProcesses"/>.</summary>
public sealed record FleetReplica(string Id, string Track, int Weight, ServiceProcess Process);

/// <summary>One canary fleet (<see cref="FleetProcesses.StartCanaryFleetAsync"/>) shared by a test class's cases.</summary>
public sealed class CanaryFleetFixture : IAsyncLifetime
{
    public FleetProcesses Fleet { get; private set; } = null!;

    public async Task InitializeAsync() => Fleet = await FleetProcesses.StartCanaryFleetAsync();

    public async Task DisposeAsync() => await Fleet.DisposeAsync();
}
