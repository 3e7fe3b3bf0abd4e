using Ardalis.Result;
using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Application.Faiss;
using CadMl.Application.Faiss.AttemptDueRecovery;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.Ports;
using CadMl.Application.Faiss.RecoverFaiss;
using CadMl.Application.Faiss.ReportFaissFault;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Tests.Hosting;
using CadMl.Application.Tests.Vectors;
using CadMl.Application.Vectors.DeleteVector;
using CadMl.Application.Vectors.RegisterVector;
using CadMl.Application.Vectors.SearchVectors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace CadMl.Application.Tests.Faiss;

/// <summary>
/// A rebuild of the serving index takes the fleet's rebuild lease from the real store (SQLite here):
/// the lease is taken directly through <see cref="IFleetLeaseStore"/> under another replica's name,
/// as that replica's own rebuild would hold it. The recovery loop is left out so each test sends
/// every tick itself.
/// </summary>
public sealed class RebuildLeaseTests
{
    private const string OtherReplica = "other-replica";

    [Fact]
    public async Task A_manual_recover_while_another_replica_rebuilds_is_409_naming_it_and_restores_once_the_lease_is_released()
    {
        await using var host = await ApplicationHost.StartAsync(configure: WithoutRecoveryLoop);
        (await host.Sender.Send(new ReportFaissFaultCommand("faiss_search_failed: test"))).Value.Degraded.Should().BeTrue();
        var leases = host.Get<IFleetLeaseStore>();
        var now = DateTimeOffset.UtcNow;
        var taken = await leases.AcquireAsync(IndexRebuildLease.Name, OtherReplica, now, now.AddMinutes(5), CancellationToken.None);
        taken.Should().BeOfType<LeaseAttempt.Acquired>();

        var refused = await host.Sender.Send(new RecoverFaissCommand());

        refused.Status.Should().Be(ResultStatus.Conflict);
        var problem = refused.ToProblem();
        problem.Code.Should().Be("REBUILD_IN_PROGRESS");
        problem.Stage.Should().Be("recovery");
        problem.Context["holder"].Should().Be(OtherReplica);
        problem.Context["epoch"].Should().Be(taken.Lease.Epoch);
        problem.Context["lease_expires_at"].Should().Be(taken.Lease.ExpiresAt);
        var health = (await host.Sender.Send(new GetFaissHealthQuery())).Value;
        health.Degraded.Should().BeTrue();
        health.ConsecutiveFailures.Should().Be(0, "waiting for another replica's rebuild is no failed attempt");
        health.ManualRecoveryInProgress.Should().BeFalse();

        await leases.ReleaseAsync(taken.Lease, CancellationToken.None);
        var recovered = await host.Sender.Send(new RecoverFaissCommand());

        recovered.IsSuccess.Should().BeTrue(recovered.IsSuccess ? null : recovered.ToProblem().Message);
        recovered.Value.Outcome.Should().Be("restored");
        recovered.Value.Health.Degraded.Should().BeFalse();
        recovered.Value.Health.Backend.Should().Be("faiss");

        // The recover released its own lease: the other replica can take it again, with a later epoch.
        var again = await leases.AcquireAsync(IndexRebuildLease.Name, OtherReplica, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
        again.Should().BeOfType<LeaseAttempt.Acquired>();
        again.Lease.Epoch.Should().Be(taken.Lease.Epoch + 2);
    }

    [Fact]
    public async Task A_due_automatic_attempt_that_finds_the_lease_held_is_deferred_one_interval_without_counting_as_a_failure()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var backend = Substitute.For<IFaissBackend>();
        backend.ActivateAsync(Arg.Any<CancellationToken>()).Returns(Task.FromResult<string?>("faiss_library_unavailable: still missing"), Task.FromResult<string?>(null));
        await using var host = await ApplicationHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["FAISS_RECOVERY_INTERVAL_SECONDS"] = "30",
                ["FAISS_RECOVERY_BACKOFF_MULTIPLIER"] = "2",
                ["FAISS_RECOVERY_FLAP_THRESHOLD"] = "2",
            },
            configure: services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                services.Replace(ServiceDescriptor.Singleton(backend));
                WithoutRecoveryLoop(services);
            });
        await host.Sender.Send(new ReportFaissFaultCommand("faiss_search_failed: test"));

        // One real failure first, so the deferral has a backoff and a failure count it must leave alone.
        time.Advance(TimeSpan.FromSeconds(33));
        var afterFailure = (await host.Sender.Send(new AttemptDueRecoveryCommand())).Value;
        await backend.Received(1).ActivateAsync(Arg.Any<CancellationToken>());
        afterFailure.SleepFor.TotalSeconds.Should().BeInRange(54, 66);
        var before = (await host.Sender.Send(new GetFaissHealthQuery())).Value;

        var leases = host.Get<IFleetLeaseStore>();
        var taken = await leases.AcquireAsync(IndexRebuildLease.Name, OtherReplica, time.GetUtcNow(), time.GetUtcNow().AddHours(1), CancellationToken.None);
        taken.Should().BeOfType<LeaseAttempt.Acquired>();

        // Not a tick early: exactly when the backoff ends, the attempt is due and finds the lease held.
        time.Advance(afterFailure.SleepFor);
        var deferred = (await host.Sender.Send(new AttemptDueRecoveryCommand())).Value;

        await backend.Received(1).ActivateAsync(Arg.Any<CancellationToken>());
        deferred.SleepFor.TotalSeconds.Should().BeInRange(27, 33, "the next tick is one base interval on, not a grown backoff");
        var health = (await host.Sender.Send(new GetFaissHealthQuery())).Value;
        health.Degraded.Should().BeTrue();
        health.ConsecutiveFailures.Should().Be(before.ConsecutiveFailures);
        health.LastError.Should().Be(before.LastError);
        health.DegradationHistoryCount.Should().Be(before.DegradationHistoryCount);
        health.SuppressedUntilTs.Should().BeNull("a deferral is not a toggle the flap detector counts");
        (await host.MetricAsync("faiss_rebuild_deferred_total", "trigger=\"automatic_recovery\"")).Should().Be(1);
        (await host.MetricAsync("faiss_recovery_attempts_total", "result=\"error\"")).Should().Be(1, "only the real failure");

        // Still held at the next tick: deferred again, still no failure.
        time.Advance(deferred.SleepFor);
        var again = (await host.Sender.Send(new AttemptDueRecoveryCommand())).Value;
        again.SleepFor.TotalSeconds.Should().BeInRange(27, 33);
        (await host.Sender.Send(new GetFaissHealthQuery())).Value.ConsecutiveFailures.Should().Be(before.ConsecutiveFailures);
        (await host.MetricAsync("faiss_rebuild_deferred_total", "trigger=\"automatic_recovery\"")).Should().Be(2);

        await leases.ReleaseAsync(taken.Lease, CancellationToken.None);
        time.Advance(again.SleepFor);
        await host.Sender.Send(new AttemptDueRecoveryCommand());

        await backend.Received(2).ActivateAsync(Arg.Any<CancellationToken>());
        (await host.Sender.Send(new GetFaissHealthQuery())).Value.Degraded.Should().BeFalse();
    }

    [Fact]
    public async Task A_due_tombstone_rebuild_waits_while_the_lease_is_held_elsewhere_and_runs_on_a_tick_after_its_release()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var host = await ApplicationHost.StartAsync(
            new Dictionary<string, string?> { ["FAISS_INDEX_TYPE"] = "hnsw", ["FAISS_TOMBSTONE_REBUILD_RATIO"] = "0.2" },
            configure: services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                WithoutRecoveryLoop(services);
            });
        var vectors = VectorUseCaseTests.Random(10, 24, seed: 41);
        for (var i = 0; i < vectors.Length; i++)
        {
            (await host.Sender.Send(new RegisterVectorCommand($"part-{i}", vectors[i]))).IsSuccess.Should().BeTrue();
        }

        // 3 tombstones among 10 stored vectors is past the 0.2 ratio: the maintenance tick wants a rebuild.
        for (var i = 0; i < 3; i++)
        {
            (await host.Sender.Send(new DeleteVectorCommand($"part-{i}"))).IsSuccess.Should().BeTrue();
        }

        var rebuiltBefore = await host.MetricAsync("faiss_rebuild_total", "status=\"ok\"");
        var leases = host.Get<IFleetLeaseStore>();
        var taken = await leases.AcquireAsync(IndexRebuildLease.Name, OtherReplica, time.GetUtcNow(), time.GetUtcNow().AddHours(1), CancellationToken.None);
        taken.Should().BeOfType<LeaseAttempt.Acquired>();

        // Each probe moves the clock one maintenance tick (5 s) on, so the loop ticks however the probe and the loop interleave.
        await Poll.UntilAsync(
            () => TickAsync(host, time, "faiss_rebuild_deferred_total", "trigger=\"tombstone_rebuild\""),
            deferred => deferred >= 2,
            TimeSpan.FromSeconds(20),
            "two tombstone rebuild ticks deferred");
        (await host.MetricAsync("faiss_rebuild_total", "status=\"ok\"")).Should().Be(rebuiltBefore, "no rebuild while another replica holds the lease");

        await leases.ReleaseAsync(taken.Lease, CancellationToken.None);
        await Poll.UntilAsync(
            () => TickAsync(host, time, "faiss_rebuild_total", "status=\"ok\""),
            rebuilt => rebuilt > rebuiltBefore,
            TimeSpan.FromSeconds(20),
            "the tombstone rebuild running once the lease is free");

        // It released the lease when it ended.
        var after = await leases.AcquireAsync(IndexRebuildLease.Name, OtherReplica, time.GetUtcNow(), time.GetUtcNow().AddHours(1), CancellationToken.None);
        after.Should().BeOfType<LeaseAttempt.Acquired>();
        var hits = (await host.Sender.Send(new SearchVectorsQuery(Vector: vectors[5], K: 10))).Value;
        hits.Backend.Should().Be("faiss");
        hits.Results.Select(r => r.Id).Should().NotContain(["part-0", "part-1", "part-2"]);
    }

    private static async Task<double> TickAsync(ApplicationHost host, FakeTimeProvider time, string metric, string labels)
    {
        time.Advance(TimeSpan.FromSeconds(5));
        return await host.MetricAsync(metric, labels);
    }

    private static void WithoutRecoveryLoop(IServiceCollection services)
    {
        foreach (var loop in services.Where(d => d.ImplementationType?.Name == "FaissRecoveryService").ToList())
        {
            services.Remove(loop);
        }
    }
}
