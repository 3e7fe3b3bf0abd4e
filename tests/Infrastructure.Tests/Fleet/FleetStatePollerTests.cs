using System.Collections.Concurrent;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Ports;
using CadMl.Infrastructure.Fleet;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CadMl.Api.Tests.Infrastructure;

namespace CadMl.Infrastructure.Tests.Fleet;

/// <summary>
/// The followers' one poll loop, on a fake clock: a step runs once per interval and only while the
/// store is open, a failed step is counted under the follower's name and the next tick runs the
/// step again (it re-reads; nothing is skipped), and the loop ends quietly at shutdown.
/// </summary>
public sealed class FleetStatePollerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly StoreStatus _store = new();
    private readonly CountingMetrics _metrics = new();

    [Fact]
    public async Task A_failed_step_is_counted_and_the_next_tick_reads_again_and_nothing_runs_while_the_store_is_closed()
    {
        var poller = new FleetStatePoller(_store, Options.Create(new FleetControlOptions { PollMilliseconds = 500 }), _metrics, _time, NullLogger<FleetStatePoller>.Instance);
        var calls = 0;
        using var stop = new CancellationTokenSource();
        var loop = poller.RunAsync("test_follower", _ =>
        {
            // The first step fails (a store read that threw); every later one succeeds.
            return Interlocked.Increment(ref calls) == 1 ? Task.FromException(new InvalidOperationException("store down")) : Task.CompletedTask;
        }, stop.Token);

        // Closed store: ticks pass without a step.
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Volatile.Read(ref calls).Should().Be(0);

        _store.MarkOpen("poller", "open", new Dictionary<string, object?>());
        await AdvanceUntilAsync(() => Volatile.Read(ref calls) >= 1);
        await Poll.UntilAsync(() => Task.FromResult(_metrics.Faults.GetValueOrDefault("test_follower") == 1), TimeSpan.FromSeconds(5), "the failure counted");
        await AdvanceUntilAsync(() => Volatile.Read(ref calls) >= 2);
        _metrics.Faults["test_follower"].Should().Be(1, "the retry succeeded");

        await stop.CancelAsync();
        await loop; // no exception: shutdown is not a fault
    }

    private async Task AdvanceUntilAsync(Func<bool> done) =>
        await Poll.UntilAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(500));
                return Task.FromResult(done());
            },
            TimeSpan.FromSeconds(5),
            "the next tick's step");

    private sealed class CountingMetrics : IBackgroundTaskMetrics
    {
        public ConcurrentDictionary<string, int> Faults { get; } = new();

        public void Faulted(string task) => Faults.AddOrUpdate(task, 1, (_, n) => n + 1);
    }
}
