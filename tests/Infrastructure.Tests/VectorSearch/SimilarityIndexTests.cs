using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Tests.VectorSearch;

public sealed class SimilarityIndexTests
{
    [Fact]
    public async Task Hnsw_tombstones_past_the_ratio_trigger_a_rebuild_that_clears_them()
    {
        var settings = new VectorIndexOptions { IndexType = "hnsw", TombstoneRebuildRatio = 0.2 };
        using var index = NewIndex(settings);
        var data = VectorFixtures.Random(100, 24, seed: 8);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        var maintenance = new VectorIndexMaintenance(index, null!, null!, Options.Create(settings), TimeProvider.System, NullLogger<VectorIndexMaintenance>.Instance);
        for (var i = 0; i < 20; i++)
        {
            index.Remove(new VectorRemoval($"part-{i}", i, FeatureVersion.V4, 101 + i));
        }

        index.Faiss!.Find(FeatureVersion.V4)!.Tombstones.Should().Be(20);
        maintenance.ShardsDue(settings).Should().BeEmpty("20 of 100 is not more than 0.2");

        index.Remove(new VectorRemoval("part-20", 20, FeatureVersion.V4, 121));
        var due = maintenance.ShardsDue(settings);
        due.Should().Equal(FeatureVersion.V4);
        await index.RebuildAsync(null, due, CancellationToken.None);

        var shard = index.Faiss!.Find(FeatureVersion.V4)!;
        shard.Tombstones.Should().Be(0);
        shard.Live.Should().Be(79);
        var hits = index.Search(new VectorSearchRequest(FeatureVersion.V4, data[3], 100, null, null));
        hits.Backend.Should().Be("faiss");
        hits.Hits.Select(h => h.Id).Should().NotContain(Enumerable.Range(0, 21).Select(i => $"part-{i}"));
    }

    [Fact]
    public async Task An_ivf_version_is_served_exactly_until_it_has_enough_vectors_to_train_then_by_faiss()
    {
        var settings = new VectorIndexOptions { IndexType = "ivf", IvfNlist = 16, IvfNprobe = 16 };
        using var index = NewIndex(settings);
        var maintenance = new VectorIndexMaintenance(index, null!, null!, Options.Create(settings), TimeProvider.System, NullLogger<VectorIndexMaintenance>.Instance);
        var data = VectorFixtures.Random(200, 24, seed: 12);
        for (var i = 0; i < 10; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        index.Search(new VectorSearchRequest(FeatureVersion.V4, data[1], 3, null, null)).Backend.Should().Be("exact", "10 vectors cannot train 16 lists");
        maintenance.ShardsDue(settings).Should().BeEmpty();

        for (var i = 10; i < 200; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        var due = maintenance.ShardsDue(settings);
        due.Should().Equal(FeatureVersion.V4);
        await index.RebuildAsync(null, due, CancellationToken.None);

        var hits = index.Search(new VectorSearchRequest(FeatureVersion.V4, data[150], 1, null, null));
        hits.Backend.Should().Be("faiss");
        hits.Hits.Single().Id.Should().Be("part-150");
    }

    [Fact]
    public async Task A_warm_up_build_yields_to_a_degradation_but_a_recovery_build_attaches()
    {
        using var index = NewIndex(new VectorIndexOptions { IndexType = "flat" });
        var data = VectorFixtures.Random(50, 24, seed: 13);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        // The warm-up began under this epoch; a degradation recorded since starts the next one.
        var epoch = index.Epoch;
        index.Detach();
        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None, yieldTo: epoch);
        index.FaissServing.Should().BeFalse("the degradation recorded meanwhile takes precedence");

        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        index.FaissServing.Should().BeTrue();
    }

    [Fact]
    public async Task Writes_that_land_during_a_rebuild_are_replayed_into_the_new_index()
    {
        using var index = NewIndex(new VectorIndexOptions { IndexType = "flat" });
        var data = VectorFixtures.Random(20_000, 24, seed: 9);
        for (var i = 0; i < 19_000; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        var rebuild = index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        for (var i = 19_000; i < 20_000; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        index.Remove(new VectorRemoval("part-0", 0, FeatureVersion.V4, 20_001));
        await rebuild;

        index.Faiss!.Size.Should().Be(19_999);
        index.Search(new VectorSearchRequest(FeatureVersion.V4, data[19_999], 1, null, null)).Hits.Single().Id.Should().Be("part-19999");
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("exact")]
    public async Task Filters_and_exclusion_apply_to_faiss_and_exact_alike(string kind)
    {
        using var index = NewIndex(new VectorIndexOptions { IndexType = kind });
        var data = VectorFixtures.Random(60, 24, seed: 10);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        if (kind != "exact")
        {
            await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        }

        var hits = index.Search(new VectorSearchRequest(FeatureVersion.V4, data[4], 50, new VectorFilter(Material: "aluminium", Format: "dxf"), "part-4"));

        hits.Backend.Should().Be(kind == "exact" ? "exact" : "faiss");
        // Seqs ≡ 4 (mod 6) are aluminium and dxf: ten of them, minus the excluded part-4.
        hits.Hits.Should().HaveCount(9).And.OnlyContain(h => h.Tags.Material == "aluminium" && h.Tags.Format == "dxf" && h.Id != "part-4");
        index.Search(new VectorSearchRequest(FeatureVersion.V1, data[4][..7], 5, null, null)).Hits.Should().BeEmpty("versions never mix");
    }

    /// <summary>
    /// Reader lifetime: searches racing detaches and swaps must never reach a freed native index
    /// (that would crash this process, not fail an assertion); each is answered in full by FAISS
    /// or, when its index was swapped out under it, by exact search.
    /// </summary>
    [Fact]
    public async Task Searches_racing_detach_and_swap_never_use_a_freed_faiss_index()
    {
        using var index = NewIndex(new VectorIndexOptions { IndexType = "flat" });
        var data = VectorFixtures.Random(2_000, 24, seed: 17);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        var native = VectorFixtures.Native();
        await index.RebuildAsync(native, null, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var answered = new int[2];
        var readers = Enumerable.Range(0, 3).Select(reader => Task.Run(() =>
        {
            var n = reader;
            while (!stop.IsCancellationRequested)
            {
                var outcome = index.Search(new VectorSearchRequest(FeatureVersion.V4, data[n++ % data.Length], 5, null, null));
                outcome.Hits.Should().HaveCount(5);
                Interlocked.Increment(ref answered[outcome.Backend == "faiss" ? 0 : 1]);
            }
        })).ToList();

        // Swap until the readers have raced at least 40 swaps with 500 searches (a loaded machine
        // may start them late), bounded so a stuck reader fails the test instead of hanging it.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        for (var swap = 0; swap < 40 || Volatile.Read(ref answered[0]) + Volatile.Read(ref answered[1]) < 500; swap++)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the readers must make progress");
            index.Detach();
            await index.RebuildAsync(native, null, CancellationToken.None);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        index.Search(new VectorSearchRequest(FeatureVersion.V4, data[7], 1, null, null)).Should().BeEquivalentTo(
            new { Backend = "faiss", Hits = new[] { new { Id = "part-7" } } }, o => o.ExcludingMissingMembers());
    }

    private static SimilarityIndex NewIndex(VectorIndexOptions settings)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new VectorIndexMetrics(Metrics.WithCustomRegistry(registry), registry);
        return new SimilarityIndex(Options.Create(settings), metrics, new FaissFaultReports(), TimeProvider.System, NullLogger<SimilarityIndex>.Instance);
    }
}
