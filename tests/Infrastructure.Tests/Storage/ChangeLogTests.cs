using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// The vector change log on a real SQLite file, written through the real group-commit writer:
/// one row per generation, gap-free and in commit order, also when writes share a commit and one
/// of them fails inside it; trimmed only through the generation it is told.
/// </summary>
public sealed class ChangeLogTests : IAsyncLifetime
{
    private TempSqliteStore _sqlite = null!;
    private SqliteWriter _writer = null!;
    private VectorStore _store = null!;
    private VectorChangeLog _log = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await TempSqliteStore.OpenAsync("change-log-test");
        _writer = _sqlite.Writer;
        _store = new VectorStore(_sqlite.Store, NullLogger<VectorStore>.Instance);
        _log = new VectorChangeLog(_sqlite.Store);
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    [Fact]
    public async Task Concurrent_writes_sharing_commits_leave_one_change_per_generation_without_gaps_even_when_one_fails()
    {
        var applied = new List<long>();
        var writes = new List<Task>();
        for (var i = 0; i < 300; i++)
        {
            var id = $"part-{i % 120}";
            if (i % 7 == 3)
            {
                writes.Add(_store.DeleteAsync(id, DateTimeOffset.UnixEpoch, r => applied.Add(r.Generation)));
            }
            else if (i % 50 == 25)
            {
                // Appends its change, then fails: the savepoint must take the generation back with it.
                writes.Add(_writer.WriteAsync<long>((connection, transaction) =>
                {
                    VectorChangeRows.Append(connection, transaction, SqliteVectorWrites.AppendStatement, VectorChangeKind.Insert, "doomed", 1, FeatureVersion.V1, null, null, DateTimeOffset.UnixEpoch);
                    throw new InvalidOperationException("fails after appending");
                }));
            }
            else
            {
                writes.Add(_store.UpsertAsync(id, Vector(i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, w => applied.Add(w.Generation)));
            }
        }

        await Task.WhenAll(writes.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
        writes.Count(w => w.IsFaulted).Should().Be(6);

        var generation = await _store.GenerationAsync(CancellationToken.None);
        var changes = _log.ReadAfter(0, 10_000);
        changes.Select(c => c.Generation).Should().Equal(Enumerable.Range(1, (int)generation).Select(g => (long)g), "gap-free, one row per generation");
        applied.Should().Equal(changes.Select(c => c.Generation), "index updates see the generations in commit order");
        changes.Should().NotContain(c => c.Id == "doomed");

        // Replaying the log from nothing gives exactly the store's rows.
        var live = new Dictionary<long, string>();
        foreach (var change in changes)
        {
            if (change.ReplacedSeq is { } replaced)
            {
                live.Remove(replaced).Should().BeTrue("an insert replaces a live row");
            }

            if (change.Kind == VectorChangeKind.Delete)
            {
                live.Remove(change.Seq).Should().BeTrue("a delete removes a live row");
            }
            else
            {
                live[change.Seq] = change.Id;
            }
        }

        var stored = new Dictionary<long, string>();
        await foreach (var vector in _store.ReadAllAsync(CancellationToken.None))
        {
            stored[vector.Seq] = vector.Id;
        }

        live.Should().Equal(stored);
    }

    [Fact]
    public async Task Reading_pages_after_a_generation_and_trimming_through_one_keep_the_rest()
    {
        for (var i = 0; i < 10; i++)
        {
            await _store.UpsertAsync($"part-{i}", Vector(i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { });
        }

        _log.ReadAfter(3, 4).Select(c => c.Generation).Should().Equal(4, 5, 6, 7);
        _log.TrimThrough(6).Should().Be(6);
        _log.ReadAfter(0, 100).Select(c => c.Generation).Should().Equal(7, 8, 9, 10);
        _log.ReadAfter(0, 100).Should().OnlyContain(c => c.Kind == VectorChangeKind.Insert && c.Version == FeatureVersion.V1);
    }

    [Fact]
    public void Retention_trims_through_the_oldest_holder_only()
    {
        var retention = new VectorChangeRetention();
        retention.TrimmableThrough.Should().BeNull("nobody has said what it needs: nothing may be trimmed");
        retention.Hold("snapshot", 40);
        retention.Hold("replica-a", 25);
        retention.TrimmableThrough.Should().Be(25);
        retention.Release("replica-a");
        retention.TrimmableThrough.Should().Be(40);
    }

    private static FeatureVector Vector(int seed)
    {
        var values = Enumerable.Range(0, FeatureVersion.V1.Dimension()).Select(d => (double)((seed * 31) + d + 1)).ToArray();
        FeatureVector.TryCreate(FeatureVersion.V1, values, out var vector);
        return vector!;
    }
}
