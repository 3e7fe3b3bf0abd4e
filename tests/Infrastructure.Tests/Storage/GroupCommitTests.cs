using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// The group-commit writer on a real SQLite file. The writer is held inside a first write (a gate
/// the test opens), so what queues behind it is known without any timing: it must all share one
/// commit, complete in queue order, and be on disk (visible to another connection) before any
/// caller hears back.
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private TempSqliteStore _sqlite = null!;
    private SqliteWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await TempSqliteStore.OpenAsync("group-commit-test");
        _writer = _sqlite.Writer;
        await _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, "CREATE TABLE journal (n INTEGER NOT NULL);"));
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    [Fact]
    public async Task Writes_queued_while_a_commit_runs_share_the_next_commit_and_complete_in_queue_order()
    {
        using var gate = new ManualResetEventSlim();
        var commitsBefore = _writer.Commits;
        var blocker = _writer.WriteAsync((_, _) => gate.Wait(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(() => _writer.Commits == commitsBefore && QueueIsBusy(gate), TimeSpan.FromSeconds(30));

        var applied = new List<int>();
        var visibleWhenApplied = new List<bool>();
        var writes = Enumerable.Range(0, 100).Select(n => _writer.WriteAsync(
            (connection, transaction) => SqliteSql.Execute(connection, transaction, $"INSERT INTO journal (n) VALUES ({n});"),
            _ =>
            {
                applied.Add(n);
                visibleWhenApplied.Add(SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, $"SELECT count(*) FROM journal WHERE n = {n};") == 1);
            })).ToList();
        writes.Should().OnlyContain(w => !w.IsCompleted, "nothing is acknowledged before its commit");

        gate.Set();
        (await blocker).Should().BeTrue();
        await Task.WhenAll(writes);

        applied.Should().Equal(Enumerable.Range(0, 100), "committed steps run in the order the writes were queued");
        visibleWhenApplied.Should().OnlyContain(v => v, "a write is on disk before its caller hears back");
        (_writer.Commits - commitsBefore).Should().BeLessThanOrEqualTo(2, "the 100 queued writes share one commit after the blocker's");
        SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, "SELECT count(*) FROM journal;").Should().Be(100);
    }

    [Fact]
    public async Task A_failing_write_fails_alone_and_the_rest_of_its_batch_commits()
    {
        using var gate = new ManualResetEventSlim();
        var blocker = _writer.WriteAsync((_, _) => gate.Wait(TimeSpan.FromSeconds(30)));
        await Poll.UntilAsync(() => QueueIsBusy(gate), TimeSpan.FromSeconds(30));

        var before = _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, "INSERT INTO journal (n) VALUES (1);"));
        var failing = _writer.WriteAsync((connection, transaction) =>
        {
            SqliteSql.Execute(connection, transaction, "INSERT INTO journal (n) VALUES (2);");
            return SqliteSql.Execute(connection, transaction, "INSERT INTO no_such_table (n) VALUES (2);");
        });
        var after = _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, "INSERT INTO journal (n) VALUES (3);"));
        gate.Set();
        await blocker;

        await before;
        await after;
        var failure = async () => await failing;
        await failure.Should().ThrowAsync<SqliteException>();
        SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, "SELECT count(*) FROM journal WHERE n = 2;").Should().Be(0, "the failed write's own statements were rolled back to its savepoint");
        SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, "SELECT count(*) FROM journal WHERE n IN (1, 3);").Should().Be(2);
    }

    [Fact]
    public async Task The_writer_never_checkpoints_on_commit()
    {
        await _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, "INSERT INTO journal (n) VALUES (1);"));
        var autocheckpoint = await _writer.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "PRAGMA wal_autocheckpoint;";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        });
        autocheckpoint.Should().Be(0);
    }

    /// <summary>The blocker is running once the gate has a waiter... which the event cannot tell, so a write queued behind it must stay pending.</summary>
    private bool QueueIsBusy(ManualResetEventSlim gate)
    {
        var probe = _writer.DrainAsync();
        return !gate.IsSet && !probe.IsCompleted;
    }
}
