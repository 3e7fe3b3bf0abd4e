using System.Collections.Concurrent;
using System.Text;
using Ardalis.Result;
using CadMl.Application.Analysis.AnalyzeFile;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.Migration;
using CadMl.Application.Migration.GetMigrationStatus;
using CadMl.Application.Migration.MigrateVectors;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Migration.PreviewMigration;
using CadMl.Application.Tests.Hosting;
using CadMl.Application.Vectors.DeleteVector;
using CadMl.Application.Vectors.GetVector;
using CadMl.Application.Vectors.Ports;
using CadMl.Application.Vectors.RegisterVector;
using CadMl.Application.Vectors.SearchVectors;
using CadMl.Domain.Migration;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace CadMl.Application.Tests.Migration;

/// <summary>Preview, migrate and status through the real pipeline, SQLite store and FAISS index.</summary>
public sealed class MigrationUseCaseTests
{
    private const string Drawing =
        "0\nSECTION\n2\nENTITIES\n" +
        "0\nLINE\n8\n0\n10\n0\n20\n0\n30\n0\n11\n4\n21\n0\n31\n0\n" +
        "0\nCIRCLE\n8\nA\n10\n5\n20\n5\n30\n0\n40\n2\n" +
        "0\nLINE\n8\nA\n10\n1\n20\n1\n30\n0\n11\n3\n21\n7\n31\n0\n" +
        "0\nENDSEC\n0\nEOF\n";

    [Fact]
    public async Task A_preview_only_reads_the_store_generation_stays_where_it_was()
    {
        await using var host = await ApplicationHost.StartAsync();
        foreach (var (id, values) in new[] { ("a", VectorRows.Random(1, 22, 1)[0]), ("b", VectorRows.Random(1, 12, 2)[0]) })
        {
            (await host.Sender.Send(new RegisterVectorCommand(id, values))).IsSuccess.Should().BeTrue();
        }

        var before = await Generation(host);

        var preview = (await host.Sender.Send(new PreviewMigrationQuery("v4"))).Value;

        (await Generation(host)).Should().Be(before);
        preview.Sampled.Should().Be(2);
        preview.Items.Select(i => i.Status).Should().Equal(MigrationItemStatus.UpgradePreview, MigrationItemStatus.UpgradePreview);
        preview.ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v2"] = 1, ["v3"] = 1 });
        (await host.Sender.Send(new GetMigrationStatusQuery())).Value.Runs.Should().BeEmpty("a preview is not a run");
    }

    [Fact]
    public async Task An_analysed_vector_is_recomputed_exactly_and_a_registered_one_is_padded()
    {
        await using var host = await ApplicationHost.StartAsync();
        var content = Encoding.ASCII.GetBytes(Drawing);
        var analysed = (await host.Sender.Send(new AnalyzeFileCommand("part.dxf", content, "v3", "steel", null))).Value;
        var plain = VectorRows.Random(1, 22, 3)[0];
        (await host.Sender.Send(new RegisterVectorCommand("plain", plain, "v3"))).IsSuccess.Should().BeTrue();

        var run = (await host.Sender.Send(new MigrateVectorsCommand(null, "v4"))).Value;

        run.Status.Should().Be("completed");
        run.Items.Should().BeEquivalentTo(
        [
            new { Id = analysed.Id, Status = MigrationOutcome.Migrated, Method = MigrationMethod.Recompute, DimensionBefore = 22, DimensionAfter = 24 },
            new { Id = "plain", Status = MigrationOutcome.Migrated, Method = MigrationMethod.Pad, DimensionBefore = 22, DimensionAfter = 24 },
        ]);
        var fresh = (await host.Sender.Send(new AnalyzeFileCommand("part.dxf", content, "v4", "steel", null))).Value;
        var recomputed = (await host.Sender.Send(new GetVectorQuery(analysed.Id))).Value;
        recomputed.FeatureVersion.Should().Be("v4");
        recomputed.Vector.Select(BitConverter.DoubleToInt64Bits).Should().Equal(fresh.Features.Vector.Select(BitConverter.DoubleToInt64Bits));
        recomputed.Vector[23].Should().NotBe(0, "the shape entropy is computed, not padded");
        recomputed.Meta.Should().ContainKey("material").WhoseValue.Should().Be("steel");
        (await host.Sender.Send(new GetVectorQuery("plain"))).Value.Vector.Should().Equal([.. plain, 0, 0]);
    }

    [Fact]
    public async Task Batches_are_one_transaction_each_and_the_run_is_measured()
    {
        await using var host = await SeededHostAsync(v3: 1_200, v4: 0);
        var before = await Generation(host);

        var run = (await host.Sender.Send(new MigrateVectorsCommand(null, "v4", BatchSize: 500))).Value;

        run.Batches.Should().Be(3);
        run.Totals.Should().Be(new MigrationTotalsDto(1_200, 1_200, 0, 0, 0, 0, 0));
        run.Items.Should().HaveCount(MigrateVectorsCommand.MaxReportedItems);
        run.ItemsTruncated.Should().BeTrue();
        (await Generation(host)).Should().Be(before + 1_200 + 1, "one generation, and one change-log row, per migrated vector, and one for the run's end (what other replicas switch on)");
        (await host.MetricAsync("vector_migrate_total", "status=\"migrated\"")).Should().Be(1_200);
        (await host.MetricAsync("vector_migrate_dimension_delta_bucket", "le=\"2\"")).Should().Be(1_200);
        (await host.MetricAsync("vector_migrate_dimension_delta_bucket", "le=\"1\"")).Should().Be(0);
        (await host.MetricAsync("vector_migrate_duration_seconds_count")).Should().Be(1);
        var status = (await host.Sender.Send(new GetMigrationStatusQuery())).Value;
        status.ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v4"] = 1_200 });
        status.Running.Should().BeNull();
    }

    [Fact]
    public async Task Migrating_thousands_of_vectors_keeps_every_search_answering_and_switches_each_version_at_once()
    {
        const int Old = 5_000, Native = 200;
        await using var host = await SeededHostAsync(Old, Native);
        var index = host.Get<IVectorIndex>();
        var failures = new ConcurrentBag<string>();
        var sizes = new ConcurrentBag<(long V3, long V4)>();
        var searchesDuringRun = 0;
        using var stop = new CancellationTokenSource();

        var searchers = Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            using var scope = host.Services.CreateScope();
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            var queries = VectorRows.Random(50, 24, seed: 100 + worker);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var v4 = n % 2 == 0;
                var query = v4 ? queries[n % 50] : queries[n % 50][..22];
                var result = await sender.Send(new SearchVectorsQuery(Vector: query, FeatureVersion: v4 ? "v4" : "v3", K: 20));
                if (!result.IsSuccess)
                {
                    failures.Add($"search failed: {result.Status}");
                    continue;
                }

                // A v3 query may only find original vectors, a v4 one natives or migrated originals.
                var foreign = result.Value.Results.Where(r => v4 ? !r.Id.StartsWith("old-", StringComparison.Ordinal) && !r.Id.StartsWith("native-", StringComparison.Ordinal)
                    : !r.Id.StartsWith("old-", StringComparison.Ordinal));
                foreach (var hit in foreign)
                {
                    failures.Add($"{hit.Id} in a {(v4 ? "v4" : "v3")} result");
                }

                Interlocked.Increment(ref searchesDuringRun);
            }
        })).ToList();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var versions = index.Facts().Versions;
                sizes.Add((versions.GetValueOrDefault("v3")?.Size ?? 0, versions["v4"].Size));
                await Task.Delay(1);
            }
        });

        var run = await host.Sender.Send(new MigrateVectorsCommand(null, "v4", BatchSize: 100));
        var searchedWhileMigrating = Volatile.Read(ref searchesDuringRun);
        await stop.CancelAsync();
        await Task.WhenAll([.. searchers, watcher]);

        run.Value.Totals.Migrated.Should().Be(Old);
        run.Value.Batches.Should().Be(Old / 100);
        failures.Should().BeEmpty();
        searchedWhileMigrating.Should().BePositive("the searches must overlap the migration to prove anything");
        sizes.Select(s => s.V4).Distinct().Should().BeSubsetOf([Native, Native + Old], "the v4 index jumps from before to after, with no batch in between");
        sizes.Select(s => s.V3).Distinct().Should().BeSubsetOf([Old, 0]);
        sizes.Should().Contain(s => s.V4 == Native, "the watcher saw the index before the switch");
        index.Facts().Versions["v4"].Size.Should().Be(Native + Old);
    }

    [Fact]
    public async Task Registrations_and_deletions_during_a_migration_leave_index_and_store_in_agreement()
    {
        var started = new FirstBatchSignal();
        await using var host = await SeededHostAsync(v3: 3_000, v4: 0, services => services.AddSingleton<IMigrationMetrics>(started));
        var migration = Task.Run(async () =>
        {
            using var scope = host.Services.CreateScope();
            return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new MigrateVectorsCommand(null, "v4", BatchSize: 50));
        });
        // The run's bound (the last change it takes) is read before its first batch; a write
        // before that point is rightly part of the run, so the writes below wait for it.
        await started.FirstBatch.WaitAsync(TimeSpan.FromSeconds(30));
        var replacement = VectorRows.Random(50, 22, seed: 7);
        for (var i = 0; i < 50; i++)
        {
            (await host.Sender.Send(new DeleteVectorCommand($"old-{i * 60}"))).IsSuccess.Should().BeTrue();
            (await host.Sender.Send(new RegisterVectorCommand($"old-{(i * 60) + 1}", replacement[i], "v3"))).IsSuccess.Should().BeTrue();
            (await host.Sender.Send(new RegisterVectorCommand($"new-{i}", VectorRows.Random(1, 24, seed: 1_000 + i)[0], "v4"))).IsSuccess.Should().BeTrue();
        }

        (await migration).Value.Status.Should().Be("completed");

        var stats = await host.Get<IVectorStore>().StatsAsync(CancellationToken.None);
        stats.ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v3"] = 50, ["v4"] = 2_950 }, "re-registered vectors arrived after the run began");
        var facts = host.Get<IVectorIndex>().Facts();
        facts.Versions["v3"].Size.Should().Be(50);
        facts.Versions["v4"].Size.Should().Be(2_950);
        var reRegistered = (await host.Sender.Send(new SearchVectorsQuery(Vector: replacement[7], FeatureVersion: "v3", K: 1))).Value;
        reRegistered.Results.Single().Id.Should().Be("old-421");
        (await host.Sender.Send(new GetVectorQuery("old-60"))).Status.Should().Be(ResultStatus.NotFound);
    }

    [Fact]
    public async Task A_dry_run_plans_every_vector_and_writes_nothing()
    {
        await using var host = await SeededHostAsync(v3: 30, v4: 5);
        var before = await Generation(host);

        var run = (await host.Sender.Send(new MigrateVectorsCommand(null, "v2", DryRun: true, BatchSize: 7))).Value;

        run.DryRun.Should().BeTrue();
        run.Totals.Should().Be(new MigrationTotalsDto(35, 0, 0, 0, 0, 0, 35));
        run.Items.Should().OnlyContain(i => i.Status == MigrationOutcome.DryRun && i.Method == MigrationMethod.Truncate);
        (await Generation(host)).Should().Be(before);
        (await host.Get<IVectorStore>().StatsAsync(CancellationToken.None)).ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v3"] = 30, ["v4"] = 5 });
        (await host.MetricAsync("vector_migrate_total", "status=\"dry_run\"")).Should().Be(35);
        (await host.MetricAsync("vector_migrate_dimension_delta_count")).Should().Be(0, "nothing moved");
        (await host.Sender.Send(new GetMigrationStatusQuery())).Value.Runs.Single().DryRun.Should().BeTrue();
    }

    [Fact]
    public async Task Named_ids_report_not_found_skipped_and_error_in_the_order_asked()
    {
        await using var host = await ApplicationHost.StartAsync();
        (await host.Sender.Send(new RegisterVectorCommand("a", VectorRows.Random(1, 22, 1)[0]))).IsSuccess.Should().BeTrue();
        (await host.Sender.Send(new RegisterVectorCommand("b", VectorRows.Random(1, 12, 2)[0]))).IsSuccess.Should().BeTrue();
        await VectorRows.InsertAsync(host.DataDir, [("bad", "v3", new double[7])]);

        var run = (await host.Sender.Send(new MigrateVectorsCommand(["missing", "a", "b", "bad", "a"], "v2"))).Value;

        run.Items.Select(i => (i.Id, i.Status)).Should().Equal(
            ("missing", MigrationOutcome.NotFound), ("a", MigrationOutcome.Downgraded), ("b", MigrationOutcome.Skipped), ("bad", MigrationOutcome.Error));
        run.Items[3].Error.Should().Be("vector has 7 values but v3 has 22");
        run.Items[3].DimensionBefore.Should().Be(7);
        run.Items[1].Method.Should().Be(MigrationMethod.Truncate);
        run.Totals.Should().Be(new MigrationTotalsDto(4, 0, 1, 1, 1, 1, 0));
        run.Status.Should().Be("completed_with_errors");
        run.Scope.Should().Be("ids");
        (await host.Sender.Send(new GetVectorQuery("a"))).Value.FeatureVersion.Should().Be("v2");
        (await host.MetricAsync("vector_migrate_total", "status=\"error\"")).Should().Be(1);
        (await host.MetricAsync("vector_migrate_dimension_delta_bucket", "le=\"-10\"")).Should().Be(1);
    }

    [Fact]
    public async Task A_second_migration_while_one_runs_is_refused_with_MIGRATION_IN_PROGRESS()
    {
        await using var host = await ApplicationHost.StartAsync();
        var gate = host.Get<ExclusiveGates>().For("vector-migration");
        await gate.WaitAsync();
        try
        {
            var refused = await host.Sender.Send(new MigrateVectorsCommand(null, "v4"));

            refused.Status.Should().Be(ResultStatus.Conflict);
            refused.ToProblem().Code.Should().Be("MIGRATION_IN_PROGRESS");
        }
        finally
        {
            gate.Release();
        }

        (await host.Sender.Send(new MigrateVectorsCommand(null, "v4"))).IsSuccess.Should().BeTrue("the gate is free again");
    }

    [Fact]
    public async Task The_run_history_survives_a_restart_newest_first()
    {
        await using var first = await SeededHostAsync(v3: 10, v4: 0);
        var dry = (await first.Sender.Send(new MigrateVectorsCommand(null, "v4", DryRun: true))).Value;
        var real = (await first.Sender.Send(new MigrateVectorsCommand(null, "v4"))).Value;
        await first.StopAsync();

        await using var second = await ApplicationHost.StartAsync(dataDir: first.DataDir);
        var status = (await second.Sender.Send(new GetMigrationStatusQuery())).Value;

        status.Runs.Select(r => r.MigrationId).Should().Equal(real.MigrationId, dry.MigrationId);
        status.Runs[0].Should().BeEquivalentTo(new { Status = "completed", ToVersion = "v4", Scope = "all", DryRun = false, Batches = 1 });
        status.Runs[0].Totals.Migrated.Should().Be(10);
        status.Runs[0].FinishedAt.Should().BeOnOrAfter(status.Runs[0].StartedAt);
        status.ByVersion.Should().BeEquivalentTo(new Dictionary<string, long> { ["v4"] = 10 });
        second.Get<IVectorIndex>().Facts().Versions["v4"].Size.Should().Be(10, "the restarted index loads the migrated vectors");
    }

    [Fact]
    public async Task A_cancelled_run_keeps_the_batches_it_wrote_and_the_index_follows_them()
    {
        var cancelling = new CancelAfterFirstBatch();
        await using var host = await SeededHostAsync(v3: 1_000, v4: 0, services => services.AddSingleton<IMigrationMetrics>(cancelling));

        var run = (await host.Sender.Send(new MigrateVectorsCommand(null, "v4", BatchSize: 100), cancelling.Token)).Value;

        run.Status.Should().Be("cancelled");
        run.Totals.Migrated.Should().Be(100);
        var facts = host.Get<IVectorIndex>().Facts();
        (facts.Versions["v3"].Size, facts.Versions["v4"].Size).Should().Be((900, 100));
        (await host.Sender.Send(new GetMigrationStatusQuery())).Value.Runs.Single().Status.Should().Be("cancelled");

        var rest = (await host.Sender.Send(new MigrateVectorsCommand(null, "v4"))).Value;
        rest.Totals.Migrated.Should().Be(900, "a new run continues where the cancelled one stopped");
    }

    [Theory]
    [InlineData(null, "to_version")]
    [InlineData("v6", "to_version")]
    public async Task An_unknown_target_is_a_validation_failure_that_lists_the_allowed_versions(string? version, string field)
    {
        await using var host = await ApplicationHost.StartAsync();

        var result = await host.Sender.Send(new MigrateVectorsCommand(null, version));

        var problem = result.ToProblem();
        problem.Code.Should().Be("INPUT_VALIDATION_FAILED");
        problem.Context["allowed"].Should().BeEquivalentTo(new[] { "v1", "v2", "v3", "v4", "v5" });
        ((IEnumerable<Dictionary<string, object?>>)problem.Context["errors"]!).Single()["field"].Should().Be(field);
    }

    [Fact]
    public async Task An_empty_id_list_is_refused_rather_than_read_as_all()
    {
        await using var host = await ApplicationHost.StartAsync();

        var result = await host.Sender.Send(new MigrateVectorsCommand([], "v4"));

        result.Status.Should().Be(ResultStatus.Invalid);
        result.ToProblem().Context.Should().NotContainKey("allowed");
    }

    private static async Task<long> Generation(ApplicationHost host) => await host.Get<IVectorStore>().GenerationAsync(CancellationToken.None);

    /// <summary>A host over old-0.. (v3) and native-0.. (v4), written in one transaction before start so the index loads them.</summary>
    private static async Task<ApplicationHost> SeededHostAsync(int v3, int v4, Action<IServiceCollection>? configure = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-app-tests", Guid.NewGuid().ToString("N"));
        await using (var empty = await ApplicationHost.StartAsync(dataDir: dataDir))
        {
            await empty.StopAsync();
        }

        var old = VectorRows.Random(v3, 22, seed: 1);
        var natives = VectorRows.Random(v4, 24, seed: 2);
        await VectorRows.InsertAsync(dataDir, [
            .. old.Select((values, i) => ($"old-{i}", "v3", values)),
            .. natives.Select((values, i) => ($"native-{i}", "v4", values))]);
        return await ApplicationHost.StartAsync(dataDir: dataDir, configure: configure, ownsDataDir: true);
    }

    /// <summary>Completes when the run has written its first batch (the first count it reports).</summary>
    private sealed class FirstBatchSignal : IMigrationMetrics
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstBatch => _first.Task;

        public void Counted(MigrationOutcome outcome, int count) => _first.TrySetResult();

        public void Moved(int dimensionDelta)
        {
        }

        public void RunFinished(TimeSpan duration)
        {
        }

        public void EarlierLayout(CadMl.Domain.Features.FeatureVersion version, long count)
        {
        }
    }

    /// <summary>Counts nothing; cancels the run's token once the first batch has been reported.</summary>
    private sealed class CancelAfterFirstBatch : IMigrationMetrics
    {
        private readonly CancellationTokenSource _source = new();

        public CancellationToken Token => _source.Token;

        public void Counted(MigrationOutcome outcome, int count) => _source.Cancel();

        public void Moved(int dimensionDelta)
        {
        }

        public void RunFinished(TimeSpan duration)
        {
        }

        public void EarlierLayout(CadMl.Domain.Features.FeatureVersion version, long count)
        {
        }
    }
}
