using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>The native adapter against the real shim: equality with exact search, recall, removal (memory: FaissMemoryTests).</summary>
public sealed class FaissIndexTests(ITestOutputHelper output)
{
    private const int Dimension = 24;

    [Fact]
    public void Faiss_flat_returns_the_same_ids_and_scores_as_exact_search_on_10k_vectors()
    {
        var native = VectorFixtures.Native();
        var data = VectorFixtures.Random(10_000, Dimension, seed: 1);
        var (flat, seqs) = VectorFixtures.RowMajor(data);
        using var shard = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Flat), FeatureVersion.V4, flat, seqs);
        using var exact = Exact(data);

        foreach (var query in VectorFixtures.Random(100, Dimension, seed: 2))
        {
            var q = VectorMath.Normalize(query);
            var fromFaiss = shard.Search(q, 10);
            var fromExact = exact.Search(q, 10, accept: null);

            fromFaiss.Select(h => $"part-{h.Seq}").Should().Equal(fromExact.Select(h => h.Id));
            for (var i = 0; i < fromExact.Count; i++)
            {
                ((double)fromFaiss[i].Score).Should().BeApproximately(fromExact[i].Score, 1e-5);
            }
        }
    }

    /// <summary>The defaults (M 32, efConstruction 80, efSearch 48: VectorIndexOptions, docs/PERFORMANCE.md).</summary>
    [Fact]
    public void Hnsw_recall_at_10_is_at_least_095_against_exact_on_100k_vectors_with_the_default_ef_search_48()
    {
        var native = VectorFixtures.Native();
        var data = VectorFixtures.Random(100_000, Dimension, seed: 3);
        var (flat, seqs) = VectorFixtures.RowMajor(data);
        var spec = new FaissIndexSpec(FaissKind.Hnsw);
        spec.HnswEfSearch.Should().Be(48, "this test is about the documented default");
        using var shard = FaissVectorIndex.Build(native, spec, FeatureVersion.V4, flat, seqs);
        using var exact = Exact(data);

        var queries = VectorFixtures.Random(200, Dimension, seed: 4);
        double found = 0;
        foreach (var query in queries)
        {
            var q = VectorMath.Normalize(query);
            var truth = exact.Search(q, 10, accept: null).Select(h => h.Id).ToHashSet();
            found += shard.Search(q, 10).Count(h => truth.Contains($"part-{h.Seq}"));
        }

        var recall = found / (queries.Length * 10);
        output.WriteLine($"HNSW M={spec.HnswM} efConstruction={spec.HnswEfConstruction} efSearch={spec.HnswEfSearch} recall@10 on 100k: {recall:F4}");
        recall.Should().BeGreaterThanOrEqualTo(0.95);
    }

    [Theory]
    [InlineData("flat")]
    [InlineData("ivf")]
    [InlineData("hnsw")]
    public void A_removed_vector_is_never_returned_again(string kindName)
    {
        var kind = Enum.Parse<FaissKind>(kindName, ignoreCase: true);
        var native = VectorFixtures.Native();
        var data = VectorFixtures.Random(2_000, Dimension, seed: 5);
        var (flat, seqs) = VectorFixtures.RowMajor(data);
        using var shard = FaissVectorIndex.Build(native, new FaissIndexSpec(kind, IvfNlist: 16, IvfNprobe: 16), FeatureVersion.V4, flat, seqs);
        var query = VectorMath.Normalize(data[42]);
        shard.Search(query, 1).Single().Seq.Should().Be(42, "a vector is its own nearest neighbour");

        shard.Remove(42);

        shard.Search(query, 10).Select(h => h.Seq).Should().NotContain(42);
        shard.Live.Should().Be(1_999);
        if (kind == FaissKind.Hnsw)
        {
            shard.Tombstones.Should().Be(1, "HNSW cannot delete, so the removal is a tombstone");
        }
    }

    [Fact]
    public void An_ivf_index_with_fewer_vectors_than_lists_stays_untrained_and_is_not_ready()
    {
        var native = VectorFixtures.Native();
        var (flat, seqs) = VectorFixtures.RowMajor(VectorFixtures.Random(10, Dimension, seed: 6));

        using var shard = FaissVectorIndex.Build(native, new FaissIndexSpec(FaissKind.Ivf, IvfNlist: 64, IvfNprobe: 8), FeatureVersion.V4, flat, seqs);

        shard.Ready.Should().BeFalse();
    }

    [Fact]
    public void A_native_failure_surfaces_as_a_faiss_exception_with_the_native_message()
    {
        var native = VectorFixtures.Native();

        var create = () => FaissIndex.Create(native, Dimension, new FaissIndexSpec(FaissKind.Hnsw, HnswM: 0));

        create.Should().Throw<FaissException>().Which.Status.Should().Be(FaissStatus.InvalidArgument);
    }

    private static ExactShard Exact(double[][] data)
    {
        var shard = new ExactShard(Dimension);
        for (var i = 0; i < data.Length; i++)
        {
            shard.Add(i, $"part-{i}", VectorMath.Normalize(data[i]), new VectorTags(null, null, null, null, null));
        }

        return shard;
    }
}
