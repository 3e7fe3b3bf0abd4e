using System.Text.RegularExpressions;

namespace CadMl.Architecture.Tests;

/// <summary>
/// No fire-and-forget: a task the code does not await goes through
/// <see cref="CadMl.Application.Common.Background.BackgroundTasks.Observe"/>, which logs and counts
/// its fault. The compiler already refuses an unawaited call in an async method (CS4014, CA2012 as
/// errors); a discard (<c>_ = WorkAsync()</c>) silences both, so discards of tasks are refused here.
/// Outside an async method the compiler says nothing about a call whose task is dropped
/// (<c>WorkAsync();</c>, <c>Task.Run(...);</c> as a statement), so such statements are refused too.
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

    [Fact]
    public void No_source_file_drops_the_task_of_a_call_statement()
    {
        var offenders = new List<string>();
        var previous = (File: "", Code: ";");
        foreach (var line in SourceScan.CSharpLines("src", Allowed))
        {
            var code = line.Text.Trim();
            if (line.File != previous.File)
            {
                previous = (line.File, ";");
            }

            if (DroppedTask(previous.Code, line.Text))
            {
                offenders.Add($"{line.File}:{line.Number}: {code}");
            }

            if (code.Length > 0 && !code.StartsWith("//", StringComparison.Ordinal))
            {
                previous = (line.File, code);
            }
        }

        offenders.Should().BeEmpty("a task that is not awaited goes through BackgroundTasks.Observe ({0})", string.Join("; ", offenders));
    }

    [Theory]
    [InlineData("        RefreshAsync(cancellationToken);")]
    [InlineData("        store.SaveAsync(record, CancellationToken.None);")]
    [InlineData("            Task.Run(() => ActivateAsync(true, stopping));")]
    [InlineData("        Task.Factory.StartNew(Loop);")]
    [InlineData("        running.ContinueWith(t => Release(t));")]
    public void The_statement_scan_does_see_a_dropped_task(string line) => DroppedTask("{", line).Should().BeTrue();

    [Theory]
    [InlineData("        await RefreshAsync(cancellationToken);")]
    [InlineData("        return RefreshAsync(cancellationToken);")]
    [InlineData("        var refresh = RefreshAsync(cancellationToken);")]
    [InlineData("        tasks.Observe(RefreshAsync(cancellationToken), \"refresh\");")]
    [InlineData("            SecondAsync(token));")]
    [InlineData("            FirstAsync(token),")]
    [InlineData("        Refresh(cancellationToken);")]
    public void The_statement_scan_leaves_observed_tasks_alone(string line) => DroppedTask(";", line).Should().BeFalse();

    [Theory]
    [InlineData("public Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken) =>")]
    [InlineData("var write = ready")]
    [InlineData("? SaveAsync(record)")]
    public void The_statement_scan_leaves_a_continued_expression_alone(string previous) =>
        DroppedTask(previous, "        DocumentsAsync(frequent: false, limit, cancellationToken);").Should().BeFalse();

    /// <summary>
    /// A whole statement on one line that is nothing but a call returning a task by convention (a
    /// name ending in Async, Task.Run, StartNew, ContinueWith). It starts a statement only after a
    /// line that ended one (<c>;</c>, <c>{</c>, <c>}</c>); otherwise it continues an expression (an
    /// expression body, an assignment) that uses the task. A line with unbalanced parentheses ends
    /// a longer expression (an argument list) whose task is used.
    /// </summary>
    private static bool DroppedTask(string previousCode, string line) =>
        previousCode.Length > 0 && previousCode[^1] is ';' or '{' or '}'
        && CallStatement().IsMatch(line)
        && line.Count(c => c == '(') == line.Count(c => c == ')');

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

    [GeneratedRegex(@"^\s*(?:[A-Za-z_][\w.]*?)?(Async|Task\.Run|\.StartNew|\.ContinueWith)\s*\(.*\)\s*;\s*$")]
    private static partial Regex CallStatement();
}
