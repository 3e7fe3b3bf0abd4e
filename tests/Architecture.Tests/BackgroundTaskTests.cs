using System.Text.RegularExpressions;

namespace CadMl.Architecture.Tests;

/// <summary>
/// No fire-and-forget: a task the code does not await goes through
/// <see cref="CadMl.Application.Common.Background.BackgroundTasks.Observe"/>, which logs and counts
/// its fault. The compiler already refuses an unawaited call in an async method (CS4014, CA2012 as
/// errors); a discard (<c>_ = WorkAsync()</c>) silences both, so discards of tasks are refused here.
/// </summary>
public sealed partial class BackgroundTaskTests
{
    /// <summary>The helper itself; nothing else.</summary>
    private static readonly HashSet<string> Allowed =
    [
        "src/Application/Common/Background/BackgroundTasks.cs",
    ];

    [Fact]
    public void No_source_file_discards_a_task()
    {
        var offenders = SourceScan.CSharpLines("src", Allowed)
            .Where(line => DiscardedTask().IsMatch(line.Text))
            .Select(line => $"{line.File}:{line.Number}: {line.Text.Trim()}")
            .ToList();

        offenders.Should().BeEmpty("a task that is not awaited goes through BackgroundTasks.Observe ({0})", string.Join("; ", offenders));
    }

    [Theory]
    [InlineData("        _ = DegradeAsync(reason, CancellationToken.None);")]
    [InlineData("            _ = Task.Run(() => ActivateAsync(true, stopping), CancellationToken.None);")]
    [InlineData("        _ = running.ContinueWith(static (_, s) => Release(s), slots);")]
    [InlineData("        _ = Task.Factory.StartNew(Loop);")]
    public void The_scan_does_see_a_discarded_task(string line) => DiscardedTask().IsMatch(line).Should().BeTrue();

    [Theory]
    [InlineData("            _ = Close(fd);")]
    [InlineData("        _ = t.Exception;")]
    public void The_scan_leaves_other_discards_alone(string line) => DiscardedTask().IsMatch(line).Should().BeFalse();

    [GeneratedRegex(@"(^|[\s;{(])_\s*=\s*[^;=]*(Async\s*\(|Task\.Run\s*\(|\.ContinueWith\s*\(|\.StartNew\s*\()")]
    private static partial Regex DiscardedTask();
}
