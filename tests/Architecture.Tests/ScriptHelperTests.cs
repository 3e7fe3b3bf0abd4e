using System.Diagnostics;
using CadMl.Tests.Shared;

namespace CadMl.Architecture.Tests;

/// <summary>
/// build/ scripts share one apt installer (build/lib/apt.sh, with the policy-rc.d trap) and one
/// bounded poll (build/lib/poll.sh). The poll is run for real; the installer is the only place
/// allowed to call apt-get install.
/// </summary>
public sealed class ScriptHelperTests
{
    [Fact]
    public void The_poll_helper_returns_as_soon_as_the_command_succeeds()
    {
        var flag = Path.Combine(Path.GetTempPath(), $"cadml-poll-{Guid.NewGuid():N}");
        try
        {
            // The command creates the flag on its first run and succeeds on its second.
            var (code, elapsed) = Bash($"cadml_poll 20 0.1 bash -c 'test -e {flag} || {{ touch {flag}; false; }}'");

            code.Should().Be(0);
            elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the poll stops at the first success, not at its limit");
        }
        finally
        {
            File.Delete(flag);
        }
    }

    [Fact]
    public void The_poll_helper_gives_up_at_its_limit()
    {
        var (code, elapsed) = Bash("cadml_poll 1 0.1 false");

        code.Should().Be(1);
        elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(0.05));
    }

    [Fact]
    public void Only_the_apt_helper_runs_apt_get_install()
    {
        var offenders = Directory.EnumerateFiles(RepositoryPaths.Combine("build"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(Path.Combine("lib", "apt.sh"), StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => !line.TrimStart().StartsWith('#') && !line.Contains("echo ", StringComparison.Ordinal) && line.Contains("apt-get install", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f))
            .ToList();

        offenders.Should().BeEmpty("scripts install through build/lib/apt.sh (cadml_apt_install)");
    }

    private static (int Code, TimeSpan Elapsed) Bash(string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{RepositoryPaths.Combine("build", "lib", "poll.sh")}' && {command}");
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.WaitForExit(TimeSpan.FromSeconds(60)).Should().BeTrue("the poll is bounded");
        return (process.ExitCode, watch.Elapsed);
    }
}
