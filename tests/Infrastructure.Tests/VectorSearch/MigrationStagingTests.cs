using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>The index side of migration: staged writes are invisible until one switch, and ordinary writes during it are not lost.</summary>
public sealed class MigrationStagingTests
{
    private const int OldCount = 100;
    private const int NativeCount = 10;

    [Theory]
    [InlineData("flat")]
    [InlineData("hnsw")]
    [InlineData("exact")]
    public async Task Staged_vectors_stay_out_of_searches_until_the_switch_then_replace_their_old_rows_at_once(string kind)
    {
        using var index = await NewIndexAsync(kind);
        var stage = index.Begin(FeatureVersion.V4);

        stage.Stage([.. Enumerable.Range(0, 50).Select(i => Migrated(i, newSeq: 1000 + i, generation: 500))]);

        Ids(index, FeatureVersion.V4).Should().HaveCount(NativeCount).And.OnlyContain(id => id.StartsWith("native-", StringComparison.Ordinal));
        Ids(index, FeatureVersion.V3).Should().HaveCount(OldCount);
        index.Facts().Versions["v4"].Size.Should().Be(NativeCount);

        await stage.SwitchAsync();

        Ids(index, FeatureVersion.V4).Should().HaveCount(NativeCount + 50).And.Contain("part-0").And.Contain("part-49");
        Ids(index, FeatureVersion.V3).Should().HaveCount(OldCount - 50).And.NotContain("part-0").And.Contain("part-50");
        index.Facts().Versions["v4"].Size.Should().Be(NativeCount + 50);
        index.Facts().Versions["v3"].Size.Should().Be(OldCount - 50);
        index.Generation.Should().Be(500);
        index.MigrationStaged.Should().BeFalse();
        index.Search(Query(FeatureVersion.V4, 3)).Backend.Should().Be(kind == "exact" ? "exact" : "faiss");
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("hnsw")]
    public async Task Writes_that_land_during_a_migration_leave_the_switched_index_equal_to_the_store(string kind)
    {
        using var index = await NewIndexAsync(kind);
        var stage = index.Begin(FeatureVersion.V4);
        stage.Stage([.. Enumerable.Range(0, 10).Select(i => Migrated(i, newSeq: 1000 + i, generation: 500))]);

        // part-0 re-registered after it was migrated, part-1 deleted after it was migrated,
        // part-50 (not migrated) deleted, and a new v4 vector.
        index.Apply(Write("part-0", 2000, FeatureVersion.V4, generation: 501, replacedSeq: 1000, replacedVersion: FeatureVersion.V4));
        index.Remove(new VectorRemoval("part-1", 1001, FeatureVersion.V4, 502));
        index.Remove(new VectorRemoval("part-50", 50, FeatureVersion.V3, 503));
        index.Apply(Write("late", 2001, FeatureVersion.V4, generation: 504));

        Ids(index, FeatureVersion.V3).Should().NotContain(["part-0", "part-1", "part-50"], "the store holds none of those rows any more");
        await stage.SwitchAsync();

        var v4 = Ids(index, FeatureVersion.V4);
        v4.Should().OnlyHaveUniqueItems().And.Contain(["part-0", "late", "part-2", "part-9"]).And.NotContain("part-1");
        v4.Should().HaveCount(NativeCount + 8 + 2);
        Ids(index, FeatureVersion.V3).Should().HaveCount(OldCount - 11).And.NotContain(["part-0", "part-1", "part-9", "part-50"]);
        index.Generation.Should().Be(504);
    }

    [Fact]
    public async Task Writes_that_land_while_the_new_shards_are_built_are_mirrored_into_them()
    {
        using var index = NewIndex("flat");
        var data = VectorFixtures.Random(20_000, 22, seed: 61);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1, FeatureVersion.V3));
        }

        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        var stage = index.Begin(FeatureVersion.V4);
        stage.Stage([.. Enumerable.Range(0, 19_000).Select(i => Migrated(i, newSeq: 100_000 + i, generation: 30_000, data[i]))]);

        var switching = stage.SwitchAsync();
        index.Apply(Write("late", 200_000, FeatureVersion.V4, generation: 30_001));
        index.Remove(new VectorRemoval("part-5", 100_005, FeatureVersion.V4, 30_002));
        index.Remove(new VectorRemoval("part-19999", 19_999, FeatureVersion.V3, 30_003));
        await switching;

        index.Facts().Versions["v4"].Size.Should().Be(19_000);
        index.Facts().Versions["v3"].Size.Should().Be(999);
        index.Exact.Find(FeatureVersion.V4)!.Count.Should().Be(19_000, "the exact shards got the writes as well as FAISS");
        index.Exact.Find(FeatureVersion.V4)!.TryDescribe(200_000, out _, out _).Should().BeTrue();
        index.Exact.Find(FeatureVersion.V4)!.TryDescribe(100_005, out _, out _).Should().BeFalse();
        index.Exact.Find(FeatureVersion.V3)!.Count.Should().Be(999);
        index.Search(Query(FeatureVersion.V4, 7, k: 1, source: Pad(Enumerable.Repeat(1.0, 24).ToArray()))).Hits.Should().NotBeEmpty();
        var exactHit = index.Search(new VectorSearchRequest(FeatureVersion.V4, Pad(data[6]), 1, null, null));
        exactHit.Backend.Should().Be("faiss");
        exactHit.Hits.Single().Id.Should().Be("part-6");
        index.Search(new VectorSearchRequest(FeatureVersion.V4, Pad(data[5]), 1, null, null)).Hits.Single().Id.Should().NotBe("part-5");
    }

    /// <summary>A v5 row rewritten in v5's grown layout: the switch must replace the old rows, not keep them next to the new ones.</summary>
    [Theory]
    [InlineData("flat")]
    [InlineData("exact")]
    public async Task A_migration_within_one_version_replaces_its_rows_instead_of_adding_to_them(string kind)
    {
        using var index = NewIndex(kind);
        var rows = VectorFixtures.Random(20, FeatureVersion.V5.Dimension(), seed: 64);
        for (var i = 0; i < rows.Length; i++)
        {
            index.Apply(Write($"part-{i}", i, FeatureVersion.V5, generation: i + 1, values: rows[i]));
        }

        if (kind != "exact")
        {
            await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        }

        var stage = index.Begin(FeatureVersion.V5);
        stage.Stage([.. Enumerable.Range(0, rows.Length).Select(i => Write($"part-{i}", 100 + i, FeatureVersion.V5, generation: 21 + i, replacedSeq: i, replacedVersion: FeatureVersion.V5, values: rows[i]))]);
        await stage.SwitchAsync();

        index.Exact.Find(FeatureVersion.V5)!.Count.Should().Be(rows.Length);
        index.Facts().Versions["v5"].Size.Should().Be(rows.Length);
        var hits = index.Search(new VectorSearchRequest(FeatureVersion.V5, rows[0], 100, null, null)).Hits;
        hits.Select(h => h.Id).Should().HaveCount(rows.Length).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task No_index_file_is_saved_while_a_migration_is_staged()
    {
        using var index = await NewIndexAsync("flat");
        var stage = index.Begin(FeatureVersion.V4);
        stage.Stage([Migrated(0, newSeq: 1000, generation: 500)]);
        var saves = 0;

        index.Save((_, _) => saves++);
        saves.Should().Be(0, "the live index lags the store until the switch");
        await stage.SwitchAsync();
        index.Dirty.Should().BeTrue();
        index.Save((_, generation) => { saves++; generation.Should().Be(500); });

        saves.Should().Be(1);
    }

    [Fact]
    public void Only_one_migration_is_staged_at_a_time()
    {
        using var index = NewIndex("exact");
        index.Begin(FeatureVersion.V4);

        index.Invoking(i => i.Begin(FeatureVersion.V3)).Should().Throw<InvalidOperationException>();
    }

    private static readonly double[][] Old = VectorFixtures.Random(OldCount, 22, seed: 62);

    /// <summary>part-0..99 at v3 (seq = i), native-0..9 at v4 (seq 100+i); FAISS built unless exact.</summary>
    private static async Task<SimilarityIndex> NewIndexAsync(string kind)
    {
        var index = NewIndex(kind);
        for (var i = 0; i < OldCount; i++)
        {
            index.Apply(VectorFixtures.Write(i, Old[i], generation: i + 1, FeatureVersion.V3));
        }

        var natives = VectorFixtures.Random(NativeCount, 24, seed: 63);
        for (var i = 0; i < NativeCount; i++)
        {
            index.Apply(Write($"native-{i}", OldCount + i, FeatureVersion.V4, generation: OldCount + i + 1, values: natives[i]));
        }

        if (kind != "exact")
        {
            await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        }

        return index;
    }

    private static SimilarityIndex NewIndex(string kind)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new VectorIndexMetrics(Metrics.WithCustomRegistry(registry), registry);
        return new SimilarityIndex(Options.Create(new VectorIndexOptions { IndexType = kind }), metrics, new FaissFaultReports(), TimeProvider.System, NullLogger<SimilarityIndex>.Instance);
    }

    /// <summary>part-i moved from v3 (seq i) to v4 under a new seq, padded as a vector without a document would be.</summary>
    private static VectorWrite Migrated(int i, long newSeq, long generation, double[]? values = null) =>
        Write($"part-{i}", newSeq, FeatureVersion.V4, generation, replacedSeq: i, replacedVersion: FeatureVersion.V3, values: Pad(values ?? Old[i]));

    private static VectorWrite Write(string id, long seq, FeatureVersion version, long generation, long? replacedSeq = null, FeatureVersion? replacedVersion = null, double[]? values = null)
    {
        FeatureVector.TryCreate(version, values ?? [.. Enumerable.Range(1, version.Dimension()).Select(d => (double)d)], out var vector);
        var stored = new StoredVector(seq, id, vector!, new Dictionary<string, string> { ["format"] = "dxf" }, DateTimeOffset.UnixEpoch);
        return new VectorWrite(stored, replacedSeq, replacedVersion, generation);
    }

    private static double[] Pad(double[] values) => [.. values, .. new double[24 - values.Length]];

    private static VectorSearchRequest Query(FeatureVersion version, int seed, int k = 1000, double[]? source = null) =>
        new(version, source ?? VectorFixtures.Random(1, version.Dimension(), seed)[0], k, null, null);

    private static List<string> Ids(SimilarityIndex index, FeatureVersion version) =>
        [.. index.Search(Query(version, 5)).Hits.Select(h => h.Id)];
}
