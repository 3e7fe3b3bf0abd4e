using System.Diagnostics;
using CadMl.Tests.Shared;

namespace CadMl.Architecture.Tests;

/// <summary>
/// build/ scripts share one apt helper (build/lib/apt.sh: installs with the policy-rc.d trap, and
/// .deb downloads with the package cache) and one bounded poll (build/lib/poll.sh). The poll and
/// the .deb lookup are run for real (apt-get replaced by a stand-in on PATH); the helper is the only
/// place allowed to call apt-get install, download or update.
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

    [Theory]
    [InlineData("apt-get install")]
    [InlineData("apt-get download")]
    [InlineData("apt-get update")]
    [InlineData("apt-get -qq")]
    public void Only_the_apt_helper_runs_apt_get(string call)
    {
        var offenders = Directory.EnumerateFiles(RepositoryPaths.Combine("build"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(Path.Combine("lib", "apt.sh"), StringComparison.Ordinal))
            .Where(f => File.ReadLines(f).Any(line => !line.TrimStart().StartsWith('#') && !line.Contains("echo ", StringComparison.Ordinal) && !line.Contains("die ", StringComparison.Ordinal) && line.Contains(call, StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f))
            .ToList();

        offenders.Should().BeEmpty("scripts install and download packages through build/lib/apt.sh (cadml_apt_install, cadml_deb)");
    }

    [Fact]
    public void The_deb_helper_takes_a_cached_package_and_asks_apt_only_without_one()
    {
        var root = Path.Combine(Path.GetTempPath(), $"cadml-deb-{Guid.NewGuid():N}");
        var cache = Directory.CreateDirectory(Path.Combine(root, "cache")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        try
        {
            File.WriteAllText(Path.Combine(cache, "cached-pkg_1.0_all.deb"), string.Empty);
            // The stand-in apt-get writes the package it is asked to download into its working folder.
            var aptGet = Path.Combine(bin, "apt-get");
            File.WriteAllText(aptGet, "#!/bin/sh\nfor last; do :; done\ntouch \"$PWD/${last}_2.0_all.deb\"\n");
            var lookup = $"chmod +x '{aptGet}'; export PATH='{bin}':$PATH CADML_DEB_CACHE='{cache}'; cadml_deb test cached-pkg '{work}' && cadml_deb test other-pkg '{work}'";

            var (code, output) = Run("apt.sh", lookup);

            code.Should().Be(0);
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
                Path.Combine(cache, "cached-pkg_1.0_all.deb"),
                Path.Combine(work, "other-pkg_2.0_all.deb"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static (int Code, TimeSpan Elapsed) Bash(string command)
    {
        var watch = Stopwatch.StartNew();
        var (code, _) = Run("poll.sh", command);
        return (code, watch.Elapsed);
    }

    private static (int Code, string Output) Run(string helper, string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{RepositoryPaths.Combine("build", "lib", helper)}' && {command}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(TimeSpan.FromSeconds(60)).Should().BeTrue("the helpers are bounded");
        return (process.ExitCode, output);
    }
}
