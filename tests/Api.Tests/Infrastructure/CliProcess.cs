using System.Diagnostics;
using System.Text;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>The <c>cadml</c> client as a real child process (what <c>build/cadml</c> runs), killable with SIGKILL.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    public static string Dll { get; } = RepositoryPaths.Combine("tools", "Cli", "bin", "Release", "net10.0", "cadml.dll");

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static CliProcess Start(Uri service, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CADML_URL"] = service.ToString();
        start.Environment["CADML_API_KEY"] = CadMlFactory.ApiKey;
        var cli = new CliProcess(Process.Start(start)!);
        cli._process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        cli._process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        cli._process.BeginOutputReadLine();
        cli._process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs to the end (bounded) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(Uri service, string workingDirectory, TimeSpan limit, params string[] args)
    {
        using var cli = Start(service, workingDirectory, args);
        using var timeout = new CancellationTokenSource(limit);
        await cli._process.WaitForExitAsync(timeout.Token);
        cli._process.WaitForExit();
        return (cli._process.ExitCode, cli.Stdout, cli.Stderr);
    }

    /// <summary>SIGKILL: no Ctrl-C handler, no flush; only what was fsync'd survives.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public bool HasExited => _process.HasExited;

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
