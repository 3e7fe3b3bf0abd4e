using CadMl.Application.Common.Configuration;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// The WAL under continuous writes, on a real SQLite file. Continuous means a batch is always in
/// flight when the background checkpoint runs: the test holds the writer inside a write (a gate it
/// opens) for every checkpoint tick, so the interleaving is fixed without any timing. SQLite starts
/// the WAL over only when a write transaction begins with every frame copied, which such a tick can
/// never arrange; the writer's catch-up between batches must, or the WAL file grows without bound.
/// </summary>
public sealed class WalResetTests : IAsyncLifetime
{
    private const int RowsPerRound = 300;
    private const int Rounds = 12;

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private TempSqliteStore _sqlite = null!;
    private SqliteWriter _writer = null!;
    private WalCheckpointer _checkpointer = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await TempSqliteStore.OpenAsync("wal-reset-test");
        _writer = _sqlite.Writer;
        var metrics = new StoreMetrics(Metrics.WithCustomRegistry(_registry), _registry, _sqlite.Status);
        _checkpointer = new WalCheckpointer(_sqlite.Database, _writer, metrics, Options.Create(new DataOptions { DataDir = _sqlite.DataDir }),
            TimeProvider.System, NullLogger<WalCheckpointer>.Instance);
        await _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, "CREATE TABLE journal (n INTEGER NOT NULL, pad BLOB NOT NULL);"));
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    [Fact]
    public async Task Under_writes_that_never_pause_the_WAL_starts_over_and_its_file_stays_bounded()
    {
        var walFile = Path.Combine(_sqlite.DataDir, "cadml.db-wal");
        var largestWal = 0L;
        var n = 0;
        for (var round = 0; round < Rounds; round++)
        {
            // A round's rows: one 3-KB row per page, so each adds a frame per row and more.
            await Task.WhenAll(Enumerable.Range(0, RowsPerRound).Select(_ => InsertAsync(n++)));

            // The tick runs while the next batch holds the write lock, as under continuous load.
            using var entered = new ManualResetEventSlim();
            using var gate = new ManualResetEventSlim();
            var held = n++;
            var inFlight = _writer.WriteAsync((connection, transaction) =>
            {
                entered.Set();
                gate.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the test opens the gate");
                return SqliteSql.Execute(connection, transaction, $"INSERT INTO journal (n, pad) VALUES ({held}, zeroblob(3000));");
            });
            entered.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("the writer takes the held batch");
            await _checkpointer.CheckpointAsync(CancellationToken.None);
            gate.Set();
            await inFlight;

            largestWal = Math.Max(largestWal, new FileInfo(walFile).Length);
        }

        await _writer.DrainAsync();  // the last batch's catch-up, if it ran one, is over
        var written = Rounds * (RowsPerRound + 1);
        SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, "SELECT count(*) FROM journal;").Should().Be(written, "every acknowledged write is in the database");
        _writer.LastReset.Should().NotBeNull("a tick that left 1,024 frames or more asks the writer to catch up");
        _writer.LastReset!.Value.Complete.Should().BeTrue("between batches no write is in flight, so the writer's checkpoint copies every frame");

        // Without the writer's catch-up the WAL holds every frame ever written (3,612 rows of a page
        // each: ~15 MB). With it the WAL restarts, so it holds at most the reset threshold plus the
        // two rounds that can pass before a tick sees it and the writer acts (~2,700 frames).
        var pageSize = SqliteSql.ScalarFromAnotherConnection(_sqlite.Database, "PRAGMA page_size;");
        var bound = (WalCheckpointer.ResetFrames + 2 * (RowsPerRound + 1) + 64) * (pageSize + 24);
        largestWal.Should().BeGreaterThan(0).And.BeLessThan(bound, $"the WAL file restarts instead of holding all {written} rows");
        new FileInfo(walFile).Length.Should().BeLessThan(bound);
    }

    private Task<int> InsertAsync(int row) =>
        _writer.WriteAsync((connection, transaction) => SqliteSql.Execute(connection, transaction, $"INSERT INTO journal (n, pad) VALUES ({row}, zeroblob(3000));"));
}
