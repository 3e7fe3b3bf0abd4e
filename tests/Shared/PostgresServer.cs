using System.Diagnostics;
using System.Globalization;
using CadMl.Api.Tests.Infrastructure;
using Npgsql;

namespace CadMl.Tests.Shared;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c>, installed by build/test-deps) in a temp
/// folder on a free loopback port, stopped and deleted at the end. PostgreSQL refuses to run as
/// root, so under root it runs as the <c>postgres</c> user (runuser); as any other user, directly.
/// Missing binaries = a failure that says what to install, never a skip. It can be stopped and
/// started again on the same port and data, for the outage tests.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "cadml";
    private const string Password = "not-a-secret-test-password";
    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asPostgresUser;
    private readonly bool _fsync;
    private Process? _process;
    private int _databases;

    private PostgresServer(string bin, string dir, bool asPostgresUser, int port, bool fsync)
    {
        _bin = bin;
        _dir = dir;
        _asPostgresUser = asPostgresUser;
        _fsync = fsync;
        Port = port;
    }

    public int Port { get; }

    private string DataDir => Path.Combine(_dir, "data");

    /// <summary>Creates the cluster and starts the server. <paramref name="fsync"/> off only where durability is not under test (it is on for benchmarks).</summary>
    public static async Task<PostgresServer> StartAsync(bool fsync = false)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/postgres); run build/test-deps (apt-get install postgresql).");
        }

        var asPostgresUser = Environment.UserName == "root";
        var dir = Directory.CreateTempSubdirectory("cadml-pg").FullName;
        var server = new PostgresServer(bin, dir, asPostgresUser, LoopbackPorts.Free(), fsync);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", dir]);
        }

        await server.RunAsServerUserAsync(Path.Combine(bin, "initdb"),
            ["-D", server.DataDir, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>A fresh, empty database on this server, as a DATABASE_URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"cadml_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..30];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name};", connection);
        await command.ExecuteNonQueryAsync();
        return UrlOf(name);
    }

    public string UrlOf(string database) => $"postgres://{User}:{Password}@127.0.0.1:{Port}/{database}";

    private string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username={User};Database=postgres;Pooling=false;Timeout=5";

    /// <summary>Starts the server on its port and data (again, after <see cref="StopAsync"/>), and waits until it takes connections.</summary>
    public async Task StartAgainAsync()
    {
        var arguments = new[]
        {
            "-D", DataDir, "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={_dir}",
            "-c", $"fsync={(_fsync ? "on" : "off")}", "-c", "max_connections=300", "-c", "shared_buffers=64MB",
        };
        _process = Process.Start(StartInfo(Path.Combine(_bin, "postgres"), arguments))!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Poll.UntilAsync(AcceptsConnectionsAsync, TimeSpan.FromSeconds(30), "PostgreSQL taking connections");
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        if (_process!.HasExited)
        {
            throw new InvalidOperationException($"postgres exited with {_process.ExitCode} before it took connections.");
        }

        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    /// <summary>
    /// Stops the server: <c>immediate</c> (SIGQUIT, no checkpoint, what a crash looks like to
    /// clients) or <c>fast</c> (SIGINT). Returns once the postmaster is gone.
    /// </summary>
    public async Task StopAsync(bool immediate = true)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        var pid = File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First();
        await RunAsync("kill", [immediate ? "-QUIT" : "-INT", pid]);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(immediate: true);
        Directory.Delete(_dir, recursive: true);
    }

    private ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(_asPostgresUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_asPostgresUser)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private async Task RunAsServerUserAsync(string program, IEnumerable<string> arguments)
    {
        using var process = Process.Start(StartInfo(program, arguments))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }

    private static async Task RunAsync(string program, IEnumerable<string> arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await error}");
        }
    }
}
