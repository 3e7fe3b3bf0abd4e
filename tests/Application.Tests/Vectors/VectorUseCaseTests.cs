using Ardalis.Result;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Analysis;
using CadMl.Application.Analysis.AnalyzeFile;
using CadMl.Application.Analysis.GetAnalysis;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Application.Tests.Hosting;
using CadMl.Application.Vectors.DeleteVector;
using CadMl.Application.Vectors.RegisterVector;
using CadMl.Application.Vectors.SearchVectors;
using CadMl.Domain.Cad;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace CadMl.Application.Tests.Vectors;

/// <summary>Vector use cases through the real pipeline, real SQLite and the real FAISS shim.</summary>
public sealed class VectorUseCaseTests
{
    private static readonly string[] Materials = ["steel", "aluminium", "brass"];

    [Fact]
    public async Task The_same_search_handler_answers_the_same_on_faiss_and_on_exact_search()
    {
        await using var faiss = await ApplicationHost.StartAsync(new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "flat" });
        await using var exact = await ApplicationHost.StartAsync(new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "exact" });
        var vectors = Random(400, 24, seed: 11);
        await RegisterAllAsync(faiss, vectors);
        await RegisterAllAsync(exact, vectors);

        SearchVectorsQuery[] queries =
        [
            new(Vector: Random(1, 24, seed: 12)[0], K: 10),
            new(Id: "part-7", K: 5),
            new(Vector: Random(1, 24, seed: 13)[0], K: 20, Filters: new SearchFiltersDto(Material: "brass")),
        ];
        foreach (var query in queries)
        {
            var a = (await faiss.Sender.Send(query)).Value;
            var b = (await exact.Sender.Send(query)).Value;

            a.Backend.Should().Be("faiss");
            b.Backend.Should().Be("exact");
            a.Results.Select(r => r.Id).Should().Equal(b.Results.Select(r => r.Id)).And.HaveCount(query.K);
            a.Results.Zip(b.Results).Should().OnlyContain(p => Math.Abs(p.First.Score - p.Second.Score) < 1e-5);
        }

        (await faiss.Sender.Send(queries[1])).Value.Results.Should().NotContain(r => r.Id == "part-7", "exclude_self defaults to true by id");
        (await faiss.Sender.Send(queries[2])).Value.Results.Should().OnlyContain(r => r.Meta.Material == "brass");
    }

    [Fact]
    public async Task A_vector_whose_length_does_not_fit_its_version_is_refused_with_dimension_mismatch()
    {
        await using var host = await ApplicationHost.StartAsync();

        var result = await host.Sender.Send(new RegisterVectorCommand("short", [1, 2, 3, 4, 5], "v4"));

        result.Status.Should().Be(ResultStatus.Invalid);
        var problem = result.ToProblem();
        problem.Code.Should().Be("DIMENSION_MISMATCH");
        problem.Context["expected"].Should().Be(24);
        problem.Context["found"].Should().Be(5);
    }

    [Fact]
    public async Task A_restart_loads_the_saved_index_without_a_rebuild_when_the_generation_matches()
    {
        await using var first = await ApplicationHost.StartAsync();
        await RegisterAllAsync(first, Random(300, 24, seed: 21));
        await first.StopAsync();

        await using var second = await ApplicationHost.StartAsync(dataDir: first.DataDir);

        (await second.MetricAsync("faiss_import_total", "status=\"ok\"")).Should().Be(1);
        (await second.MetricAsync("faiss_rebuild_total", "status=\"ok\"")).Should().Be(0);
        var hits = (await second.Sender.Send(new SearchVectorsQuery(Id: "part-3", K: 3))).Value;
        hits.Backend.Should().Be("faiss");
        hits.Results.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_restart_catches_a_saved_index_behind_the_store_up_from_the_change_log_without_a_rebuild()
    {
        await using var first = await ApplicationHost.StartAsync();
        await RegisterAllAsync(first, Random(300, 24, seed: 31));
        await first.StopAsync();
        // An exact-only run writes to the store but not to the saved FAISS index: it falls behind.
        await using (var exactRun = await ApplicationHost.StartAsync(new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "exact" }, first.DataDir))
        {
            (await exactRun.Sender.Send(new RegisterVectorCommand("late", Random(1, 24, seed: 32)[0]))).IsSuccess.Should().BeTrue();
            await exactRun.StopAsync();
        }

        await using var second = await ApplicationHost.StartAsync(dataDir: first.DataDir);

        (await second.MetricAsync("faiss_import_total", "status=\"ok\"")).Should().Be(1);
        (await second.MetricAsync("faiss_rebuild_total", "status=\"ok\"")).Should().Be(0);
        (await second.MetricAsync("vector_index_replayed_changes_total")).Should().Be(1);
        var hits = (await second.Sender.Send(new SearchVectorsQuery(Id: "late", K: 1, ExcludeSelf: false))).Value;
        hits.Backend.Should().Be("faiss");
        hits.Results.Single().Id.Should().Be("late");
    }

    [Fact]
    public async Task A_large_hnsw_index_is_built_in_the_background_while_exact_search_serves()
    {
        await using var first = await ApplicationHost.StartAsync(new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "exact" });
        await RegisterAllAsync(first, Random(300, 24, seed: 61));
        await first.StopAsync();

        await using var second = await ApplicationHost.StartAsync(
            new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "hnsw", ["FAISS_BACKGROUND_BUILD_THRESHOLD"] = "0" }, first.DataDir);

        var query = new SearchVectorsQuery(Id: "part-12", K: 1, ExcludeSelf: false);
        var hits = await Poll.UntilAsync(async () => (await second.Sender.Send(query)).Value, h => h.Backend == "faiss", TimeSpan.FromSeconds(20), "The background-built index");
        hits.Results.Single().Id.Should().Be("part-12");
        (await second.MetricAsync("faiss_rebuild_total", "status=\"ok\"")).Should().Be(1);
    }

    [Fact]
    public async Task A_corrupt_saved_index_is_never_loaded_it_is_reported_and_rebuilt()
    {
        await using var first = await ApplicationHost.StartAsync();
        await RegisterAllAsync(first, Random(300, 24, seed: 41));
        await first.StopAsync();
        var shardFile = Directory.GetFiles(Path.Combine(first.DataDir, "faiss"), "v4.*.faiss").Single();
        var bytes = await File.ReadAllBytesAsync(shardFile);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(shardFile, bytes);

        await using var second = await ApplicationHost.StartAsync(dataDir: first.DataDir);

        (await second.MetricAsync("faiss_import_total", "status=\"corrupt\"")).Should().Be(1);
        (await second.MetricAsync("faiss_rebuild_total", "status=\"ok\"")).Should().Be(1);
        (await second.Sender.Send(new SearchVectorsQuery(Id: "part-9", K: 1, ExcludeSelf: false))).Value.Results.Single().Id.Should().Be("part-9");
    }

    [Fact]
    public async Task A_deleted_vector_disappears_from_search_and_lookup()
    {
        await using var host = await ApplicationHost.StartAsync(new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "hnsw" });
        var vectors = Random(100, 24, seed: 51);
        await RegisterAllAsync(host, vectors);

        (await host.Sender.Send(new DeleteVectorCommand("part-5"))).IsSuccess.Should().BeTrue();

        var hits = (await host.Sender.Send(new SearchVectorsQuery(Vector: vectors[5], K: 10))).Value;
        hits.Backend.Should().Be("faiss");
        hits.Results.Should().NotContain(r => r.Id == "part-5");
        (await host.Sender.Send(new DeleteVectorCommand("part-5"))).Status.Should().Be(ResultStatus.NotFound);
    }

    [Fact]
    public async Task Analyze_registers_its_vector_and_returns_similar_parts_without_itself()
    {
        var reader = Substitute.For<ICadReader>();
        reader.Format.Returns(CadFormat.Dxf);
        // Its own extension: the real DXF reader would otherwise take .dxf files first.
        reader.Extensions.Returns(["tst"]);
        reader.Read(Arg.Any<ReadOnlyMemory<byte>>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var size = ((ReadOnlyMemory<byte>)call[0]).Length;
            var kinds = new CountTable();
            kinds.Add("LINE", size);
            kinds.Add("CIRCLE", (size % 7) + 1);
            var layers = new CountTable();
            layers.Add("0", size);
            return new CadDocument(CadFormat.Dxf, kinds, layers, new BoundingBox(0, 0, 0, size, 10, 0), CadMetadata.None);
        });
        await using var host = await ApplicationHost.StartAsync(configure: s => s.AddSingleton(reader));

        var analyses = new List<AnalysisDto>();
        for (var i = 1; i <= 4; i++)
        {
            var result = await host.Sender.Send(new AnalyzeFileCommand($"part{i}.tst", new byte[i * 10], null, "steel", "p-1"));
            result.IsSuccess.Should().BeTrue();
            analyses.Add(result.Value);
        }

        var similar = analyses[^1].Similar!;
        similar.Select(s => s.Id).Should().BeEquivalentTo(analyses.Take(3).Select(a => a.Id));
        similar.Should().OnlyContain(s => s.Meta.Material == "steel" && s.Meta.Format == "dxf" && s.Meta.ProjectId == "p-1");
        similar.Select(s => s.Score).Should().BeInDescendingOrder();
        var stored = await host.Get<CadMl.Application.Vectors.Ports.IVectorStore>().FindAsync(analyses[0].Id, CancellationToken.None);
        stored.Should().NotBeNull();

        // Reading an analysis back searches again: the first part, analysed alone, now has the
        // three that came after it as neighbours, with the same scores analyze reported.
        analyses[0].Similar.Should().BeEmpty();
        var first = (await host.Sender.Send(new GetAnalysisQuery(analyses[0].Id))).Value;
        first.Similar!.Select(s => s.Id).Should().BeEquivalentTo(analyses.Skip(1).Select(a => a.Id));
        var last = (await host.Sender.Send(new GetAnalysisQuery(analyses[^1].Id))).Value;
        last.Similar.Should().BeEquivalentTo(similar, o => o.WithStrictOrdering());

        // Once its vector is deleted the analysis has no neighbours to report, and it is no
        // longer anyone else's neighbour.
        (await host.Sender.Send(new DeleteVectorCommand(analyses[0].Id))).IsSuccess.Should().BeTrue();
        (await host.Sender.Send(new GetAnalysisQuery(analyses[0].Id))).Value.Similar.Should().BeNull();
        (await host.Sender.Send(new GetAnalysisQuery(analyses[^1].Id))).Value.Similar!.Select(s => s.Id).Should().NotContain(analyses[0].Id);
    }

    internal static double[][] Random(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextDouble()).ToArray())];
    }

    private static async Task RegisterAllAsync(ApplicationHost host, double[][] vectors)
    {
        for (var i = 0; i < vectors.Length; i++)
        {
            var meta = new Dictionary<string, string> { ["material"] = Materials[i % 3], ["format"] = "dxf" };
            var result = await host.Sender.Send(new RegisterVectorCommand($"part-{i}", vectors[i], "v4", meta));
            result.Status.Should().Be(ResultStatus.Created);
        }
    }
}
