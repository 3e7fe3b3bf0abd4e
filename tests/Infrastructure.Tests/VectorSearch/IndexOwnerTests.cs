using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Tests.Storage;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>
/// The index owner on a real SQLite store and its change log: a build copies the rows at the
/// applied generation, builds off the request path, and is brought to the applied generation by
/// replaying the log before it attaches, so changes committed while it builds are neither lost
/// nor applied twice.
/// </summary>
public sealed class IndexOwnerTests : IAsyncLifetime
{
    private const int Loaded = 6_000;

    private readonly double[][] _data = VectorFixtures.Random(Loaded + 400, 24, seed: 71);
    private TempSqliteStore _sqlite = null!;
    private VectorStore _store = null!;
    private VectorChangeLog _log = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await TempSqliteStore.OpenAsync("owner-tests");
        _store = new VectorStore(_sqlite.Store, NullLogger<VectorStore>.Instance);
        _log = new VectorChangeLog(_sqlite.Store);
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    /// <summary>
    /// The changes are committed and applied right after the build copied its rows; whether they
    /// land before the swap (replayed from the log into the built index) or after it (applied to
    /// the attached one) depends on the build's speed, and either way the attached index must
    /// hold exactly the store's rows: no removal missing (HNSW counts tombstones), no insert
    /// missing or doubled.
    /// </summary>
    [Theory]
    [InlineData("flat", true)]
    [InlineData("hnsw", true)]
    [InlineData("hnsw", false)]
    public async Task Changes_committed_while_a_build_runs_are_in_the_index_it_attaches(string kind, bool wholeIndex)
    {
        using var index = NewIndex(kind);
        await LoadAsync(index);
        var native = VectorFixtures.Native();
        await index.RebuildAsync(native, null, CancellationToken.None);

        var rebuild = wholeIndex
            ? index.RebuildAsync(native, null, CancellationToken.None)
            : index.RebuildAsync(null, [FeatureVersion.V4], CancellationToken.None);
        var changes = new List<Task>();
        for (var i = Loaded; i < Loaded + 300; i++)
        {
            changes.Add(_store.UpsertAsync($"part-{i}", Vector(i), Meta(), DateTimeOffset.UnixEpoch, index.Apply));
        }

        for (var i = 0; i < 100; i++)
        {
            changes.Add(_store.DeleteAsync($"part-{i * 7}", DateTimeOffset.UnixEpoch, index.Remove));
        }

        // part-1 re-registered: its old row leaves, a new one comes.
        changes.Add(_store.UpsertAsync("part-1", Vector(Loaded + 300), Meta(), DateTimeOffset.UnixEpoch, index.Apply));
        await Task.WhenAll(changes);
        await rebuild;
        index.CatchUp().Should().Be(await _store.GenerationAsync(CancellationToken.None));

        var stored = await ReadAllAsync();
        stored.Should().HaveCount(Loaded + 300 - 100);
        index.Faiss!.Size.Should().Be(stored.Count, "every change committed during the build is in the attached index once");
        index.Exact.Count.Should().Be(stored.Count);
        if (kind == "flat")
        {
            foreach (var row in stored.Where(r => r.Seq > Loaded))
            {
                var hit = index.Search(new VectorSearchRequest(FeatureVersion.V4, row.Vector.Values.ToArray(), 1, null, null));
                hit.Backend.Should().Be("faiss");
                hit.Hits.Single().Id.Should().Be(row.Id);
            }
        }
    }

    /// <summary>
    /// The build copies its rows at G; the next change is applied right after, but the log no
    /// longer holds it (trimmed), so the build cannot be brought from G to G+1: it must not attach
    /// as it is (it would miss the write) but be built again from G+1.
    /// </summary>
    [Fact]
    public async Task A_build_the_change_log_cannot_bring_forward_is_built_again_instead_of_attached()
    {
        using var index = NewIndex("flat");
        await LoadAsync(index);
        var native = VectorFixtures.Native();
        VectorWrite? late = null;
        await _store.UpsertAsync($"part-{Loaded}", Vector(Loaded), Meta(), DateTimeOffset.UnixEpoch, w => late = w);
        _log.TrimThrough(late!.Generation);

        var rebuild = index.RebuildAsync(native, null, CancellationToken.None);
        index.Apply(late);
        await rebuild;

        index.FaissServing.Should().BeTrue();
        index.Faiss!.Size.Should().Be(Loaded + 1, "the attached index holds the write the first build missed");
        var hit = index.Search(new VectorSearchRequest(FeatureVersion.V4, _data[Loaded], 1, null, null));
        hit.Should().BeEquivalentTo(new { Backend = "faiss", Hits = new[] { new { Id = $"part-{Loaded}" } } }, o => o.ExcludingMissingMembers());
    }

    private async Task LoadAsync(SimilarityIndex index)
    {
        await Task.WhenAll(Enumerable.Range(0, Loaded).Select(i => _store.UpsertAsync($"part-{i}", Vector(i), Meta(), DateTimeOffset.UnixEpoch, _ => { })));

        // As at start: the generation first, then the rows.
        var generation = await _store.GenerationAsync(CancellationToken.None);
        foreach (var row in await ReadAllAsync())
        {
            index.Load(row);
        }

        index.SetGeneration(generation);
    }

    private async Task<List<StoredVector>> ReadAllAsync()
    {
        var rows = new List<StoredVector>();
        await foreach (var row in _store.ReadAllAsync(CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private FeatureVector Vector(int i)
    {
        FeatureVector.TryCreate(FeatureVersion.V4, _data[i], out var vector);
        return vector!;
    }

    private static Dictionary<string, string> Meta() => new() { ["format"] = "stl" };

    private SimilarityIndex NewIndex(string kind)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new VectorIndexMetrics(Metrics.WithCustomRegistry(registry), registry);
        return new SimilarityIndex(Options.Create(new VectorIndexOptions { IndexType = kind }), metrics, new FaissFaultReports(), TimeProvider.System, NullLogger<SimilarityIndex>.Instance, _log);
    }
}
