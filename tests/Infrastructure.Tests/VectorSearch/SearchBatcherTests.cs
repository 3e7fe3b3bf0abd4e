using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Batching;
using CadMl.Infrastructure.VectorSearch.Faiss;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Tests.VectorSearch;

public sealed class SearchBatcherTests
{
    [Fact]
    public async Task A_batch_on_real_faiss_gives_the_answers_of_single_searches_with_filters_and_exclusions()
    {
        using var index = await FlatIndexAsync(3_000, seed: 31);
        var data = VectorFixtures.Random(3_000, 24, seed: 31);
        // 40 requests: past the shim's BLAS threshold (20), with plain, filtered and self-excluding ones.
        var requests = Enumerable.Range(0, 40).Select(i => new VectorSearchRequest(
            FeatureVersion.V4,
            data[i * 70],
            K: 1 + (i % 12),
            Filter: i % 3 == 1 ? new VectorFilter(VectorFixtures.Materials[i % 3], null, null, null, null) : null,
            ExcludeId: i % 3 == 2 ? $"part-{i * 70}" : null)).ToList();

        var batched = index.SearchBatch(requests);

        batched.Should().HaveCount(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var single = index.Search(requests[i]);
            batched[i].Backend.Should().Be("faiss");
            single.Backend.Should().Be("faiss");
            batched[i].Hits.Select(h => h.Id).Should().Equal(single.Hits.Select(h => h.Id), $"request {i}");
            batched[i].Hits.Select(h => h.Score).Should().Equal(single.Hits.Select(h => h.Score), (a, b) => Math.Abs(a - b) < 1e-5);
        }

        batched[0].Hits[0].Id.Should().Be("part-0", "a stored vector is its own best match");
        batched[2].Hits.Select(h => h.Id).Should().NotContain("part-140");
        batched[1].Hits.Should().OnlyContain(h => h.Tags.Material == VectorFixtures.Materials[1]);
    }

    [Fact]
    public async Task Concurrent_searches_through_the_batcher_get_the_answers_of_single_searches()
    {
        using var index = await FlatIndexAsync(2_000, seed: 5);
        var data = VectorFixtures.Random(2_000, 24, seed: 5);
        var batching = new BatchingVectorIndex(index);
        var requests = Enumerable.Range(0, 200).Select(i => new VectorSearchRequest(FeatureVersion.V4, data[i * 10], 10, null, $"part-{i * 10}")).ToList();

        var answers = await Task.WhenAll(requests.Select(r => Task.Run(async () => await batching.SearchAsync(r, CancellationToken.None))));

        for (var i = 0; i < requests.Count; i++)
        {
            answers[i].Backend.Should().Be("faiss");
            answers[i].Hits.Select(h => h.Id).Should().Equal(index.Search(requests[i]).Hits.Select(h => h.Id), $"request {i}");
        }
    }

    [Fact]
    public async Task A_failing_native_batch_faults_faiss_and_every_search_of_it_is_answered_exactly()
    {
        var faults = new FaissFaultReports();
        using var index = await FlatIndexAsync(500, seed: 9, faults);
        var data = VectorFixtures.Random(500, 24, seed: 9);
        // A real native failure: an HNSW index behind a shard that says FLAT, so the batched
        // flat search is refused by the shim (NOT_SUPPORTED) and surfaces as a FaissException.
        var path = Path.Combine(Path.GetTempPath(), $"cadml-batch-{Guid.NewGuid():N}.faiss");
        try
        {
            var native = VectorFixtures.Native();
            var (vectors, seqs) = VectorFixtures.RowMajor(data);
            using (var hnsw = FaissIndex.Create(native, 24, new FaissIndexSpec(FaissKind.Hnsw)))
            {
                hnsw.Add(vectors, seqs);
                hnsw.WriteFile(path);
            }

            index.Faiss!.Replace(new FaissShard(FaissIndex.ReadFile(native, path, FaissKind.Flat), FeatureVersion.V4, 0));
        }
        finally
        {
            File.Delete(path);
        }

        var requests = Enumerable.Range(0, 25).Select(i => new VectorSearchRequest(FeatureVersion.V4, data[i], 3, null, null)).ToList();
        var answers = index.SearchBatch(requests);

        faults.Reader.TryRead(out var fault).Should().BeTrue("the failed batch is reported to the recovery loop");
        fault.Should().StartWith("faiss_search_failed");
        index.FaissServing.Should().BeFalse("a failed FAISS call detaches the index, as for a single search");
        for (var i = 0; i < requests.Count; i++)
        {
            answers[i].Backend.Should().Be("exact");
            answers[i].Hits[0].Id.Should().Be($"part-{i}");
        }
    }

    [Fact]
    public async Task A_caller_cancelled_while_waiting_is_dropped_and_the_others_are_answered()
    {
        using var firstBatchRunning = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var batches = new List<string[]>();
        var batcher = new SearchBatcher(requests =>
        {
            lock (batches)
            {
                batches.Add([.. requests.Select(r => r.ExcludeId!)]);
            }

            if (requests[0].ExcludeId == "leader")
            {
                firstBatchRunning.Release();
                release.Wait();
            }

            return [.. requests.Select(r => new VectorSearchOutcome("exact", [new VectorHit(r.ExcludeId!, 1, new VectorTags(null, null, null, null, null))]))];
        }, maxLeaders: 1);

        var leader = Task.Run(async () => await batcher.SearchAsync(Request("leader"), CancellationToken.None));
        await firstBatchRunning.WaitAsync(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.SearchAsync(Request("cancelled"), cancel.Token).AsTask();
        var waiting = batcher.SearchAsync(Request("waiting"), CancellationToken.None).AsTask();
        await cancel.CancelAsync();

        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        waiting.IsCompleted.Should().BeFalse("its batch cannot start while the first one runs");
        release.Release();

        (await leader).Hits.Single().Id.Should().Be("leader");
        (await waiting).Hits.Single().Id.Should().Be("waiting");
        batches.Should().BeEquivalentTo(new[] { new[] { "leader" }, new[] { "waiting" } }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task A_batch_that_throws_fails_each_of_its_callers_and_the_next_batch_still_runs()
    {
        using var firstBatchRunning = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        var calls = 0;
        var batcher = new SearchBatcher(requests =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstBatchRunning.Release();
                release.Wait();
            }

            if (requests.Any(r => r.ExcludeId == "poison"))
            {
                throw new InvalidOperationException("broken batch");
            }

            return [.. requests.Select(r => new VectorSearchOutcome("exact", []))];
        }, maxLeaders: 1, maxBatch: 2);

        var first = Task.Run(async () => await batcher.SearchAsync(Request("first"), CancellationToken.None));
        await firstBatchRunning.WaitAsync(TimeSpan.FromSeconds(30));
        var poison = batcher.SearchAsync(Request("poison"), CancellationToken.None).AsTask();
        var sharing = batcher.SearchAsync(Request("sharing"), CancellationToken.None).AsTask();
        var later = batcher.SearchAsync(Request("later"), CancellationToken.None).AsTask();
        release.Release();

        (await first).Backend.Should().Be("exact");
        await FluentActions.Awaiting(() => poison).Should().ThrowAsync<InvalidOperationException>();
        await FluentActions.Awaiting(() => sharing).Should().ThrowAsync<InvalidOperationException>("it shared the failing batch");
        (await later).Backend.Should().Be("exact", "the lead passed on after the failure");
        calls.Should().Be(3, "batches of at most 2: [first], [poison, sharing], [later]");
    }

    private static VectorSearchRequest Request(string name) => new(FeatureVersion.V4, new double[24], 1, null, name);

    private static async Task<SimilarityIndex> FlatIndexAsync(int count, int seed, FaissFaultReports? faults = null)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new VectorIndexMetrics(Metrics.WithCustomRegistry(registry), registry);
        var index = new SimilarityIndex(Options.Create(new VectorIndexOptions { IndexType = "flat" }), metrics, faults ?? new FaissFaultReports(), TimeProvider.System, NullLogger<SimilarityIndex>.Instance);
        var data = VectorFixtures.Random(count, 24, seed);
        for (var i = 0; i < data.Length; i++)
        {
            index.Apply(VectorFixtures.Write(i, data[i], generation: i + 1));
        }

        await index.RebuildAsync(VectorFixtures.Native(), null, CancellationToken.None);
        return index;
    }
}
