using CadMl.Application.Faiss.AttemptDueRecovery;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.Ports;
using CadMl.Application.Faiss.ReportFaissFault;
using CadMl.Application.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace CadMl.Application.Tests.Faiss;

/// <summary>
/// The recovery decisions belong to the use cases: with the adapter replaced by a substitute that
/// only says what happened, the backoff, the attempt schedule and the restore are still decided,
/// through the mediator, exactly as the policy says. The recovery loop is left out so the test
/// sends every tick itself.
/// </summary>
public sealed class RecoveryDecisionTests
{
    private const double Interval = 30;

    [Fact]
    public async Task A_fault_schedules_an_attempt_after_the_interval_and_a_failed_attempt_backs_off_before_a_success_restores()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var backend = Substitute.For<IFaissBackend>();
        backend.ActivateAsync(Arg.Any<CancellationToken>()).Returns(Task.FromResult<string?>("faiss_library_unavailable: still missing"), Task.FromResult<string?>(null));
        await using var host = await ApplicationHost.StartAsync(
            new Dictionary<string, string?> { ["FAISS_RECOVERY_INTERVAL_SECONDS"] = "30", ["FAISS_RECOVERY_BACKOFF_MULTIPLIER"] = "2" },
            configure: services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
                services.Replace(ServiceDescriptor.Singleton(backend));
                foreach (var loop in services.Where(d => d.ImplementationType?.Name == "FaissRecoveryService").ToList())
                {
                    services.Remove(loop);
                }
            });

        var degraded = (await host.Sender.Send(new ReportFaissFaultCommand("faiss_search_failed: test"))).Value;
        degraded.Degraded.Should().BeTrue();
        backend.Received(1).ServeExact();

        // Not due yet: the tick attempts nothing and says to sleep about one interval (±10 % jitter).
        var first = (await host.Sender.Send(new AttemptDueRecoveryCommand())).Value;
        first.SleepFor.TotalSeconds.Should().BeInRange(Interval * 0.9, Interval * 1.1);
        await backend.DidNotReceive().ActivateAsync(Arg.Any<CancellationToken>());

        time.Advance(first.SleepFor);
        var afterFailure = (await host.Sender.Send(new AttemptDueRecoveryCommand())).Value;
        await backend.Received(1).ActivateAsync(Arg.Any<CancellationToken>());
        afterFailure.SleepFor.TotalSeconds.Should().BeInRange(Interval * 2 * 0.9, Interval * 2 * 1.1, "one failure doubles the wait");
        var health = (await host.Sender.Send(new GetFaissHealthQuery())).Value;
        health.Degraded.Should().BeTrue();
        health.ConsecutiveFailures.Should().Be(1);
        health.LastError.Should().StartWith("faiss_library_unavailable");

        time.Advance(afterFailure.SleepFor);
        await host.Sender.Send(new AttemptDueRecoveryCommand());
        await backend.Received(2).ActivateAsync(Arg.Any<CancellationToken>());
        health = (await host.Sender.Send(new GetFaissHealthQuery())).Value;
        health.Degraded.Should().BeFalse();
        health.DegradationHistory.Select(h => h.Event).Should().Equal("restored", "degraded");
    }
}
