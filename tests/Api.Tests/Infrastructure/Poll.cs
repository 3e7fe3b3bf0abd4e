using System.Diagnostics;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>
/// The bounded probe for asynchronous outcomes: check often, give up loudly at the limit. Every
/// test project links this file, so there is one way to wait for something in the tests.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, TimeSpan limit) =>
        UntilAsync(() => Task.FromResult(condition()), limit);

    /// <summary>The same probe for a condition that has to ask (an HTTP call, a file).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, string? what = null)
    {
        await UntilAsync(condition, done => done, limit, what);
    }

    /// <summary>Probes until <paramref name="done"/> holds for what the probe saw, and returns that; the timeout names the last value seen.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan limit, string? what = null)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var seen = await probe();
            if (done(seen))
            {
                return seen;
            }

            if (elapsed.Elapsed > limit)
            {
                throw new TimeoutException($"{what ?? "The condition"} did not hold within {limit}; last seen: {seen}");
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>The value-returning probe for a state read in process.</summary>
    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan limit, string? what = null) =>
        UntilAsync(() => Task.FromResult(probe()), done, limit, what);
}
