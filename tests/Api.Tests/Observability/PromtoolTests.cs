using System.Diagnostics;
using CadMl.Tests.Shared;

namespace CadMl.Api.Tests.Observability;

/// <summary>The alert rules are checked and unit-tested by Prometheus' own tool, as the staging checklist asks.</summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task The_alert_rules_pass_promtool_check_rules()
    {
        var (exitCode, output) = await PromtoolAsync("check", "rules", RepositoryPaths.Combine("observability", "prometheus", "rules", "cad_ml_phase5_alerts.yaml"));

        exitCode.Should().Be(0, output);
        output.Should().Contain("SUCCESS");
    }

    [Fact]
    public async Task The_alert_rules_pass_their_promtool_unit_tests()
    {
        var tests = Directory.GetFiles(RepositoryPaths.Combine("observability", "prometheus", "tests"), "*.yaml");
        tests.Should().NotBeEmpty();

        var (exitCode, output) = await PromtoolAsync(["test", "rules", .. tests]);

        exitCode.Should().Be(0, output);
        output.Should().Contain("SUCCESS").And.NotContain("FAILED");
    }

    [Fact]
    public async Task Every_alert_has_a_firing_and_a_quiet_unit_test_case()
    {
        var rules = await File.ReadAllTextAsync(RepositoryPaths.Combine("observability", "prometheus", "rules", "cad_ml_phase5_alerts.yaml"));
        var tests = string.Join('\n', await Task.WhenAll(Directory.GetFiles(RepositoryPaths.Combine("observability", "prometheus", "tests"), "*.yaml").Select(f => File.ReadAllTextAsync(f))));
        var alerts = System.Text.RegularExpressions.Regex.Matches(rules, @"- alert: (\w+)").Select(m => m.Groups[1].Value).ToList();

        alerts.Should().HaveCountGreaterThanOrEqualTo(19);
        foreach (var alert in alerts)
        {
            var cases = System.Text.RegularExpressions.Regex.Matches(tests, $@"alertname: {alert}\s*\n\s*exp_alerts:(\s*\[\])?");
            cases.Should().Contain(m => m.Groups[1].Success, $"{alert} needs a case where it must not fire");
            cases.Should().Contain(m => !m.Groups[1].Success, $"{alert} needs a case where it fires");
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("promtool is not installed; build/test installs the Debian package 'prometheus'.", exception);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
