using CadMl.Application.Common.Background;

namespace CadMl.Application.Analysis;

/// <summary>
/// The CPU-bound part of analyses (parsing) runs at most one per core: more would only share the
/// cores, lengthen every request and hold more parsed geometry in memory at once. Callers wait
/// for a slot asynchronously (no thread is blocked) and the queue is bounded by the admission
/// limit in front of the use case. A slot is held until the work really ends, even when its
/// caller gave up on it (a parse past its budget keeps its core until the reader notices).
/// </summary>
internal sealed class AnalysisWorkers(BackgroundTasks background) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public async Task<Task<T>> StartAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var running = Task.Run(work, CancellationToken.None);
        background.Observe(ReleaseWhenDoneAsync(running), "analysis_slot_release");
        return running;
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>The work's own outcome belongs to its caller; this only gives the slot back.</summary>
    private async Task ReleaseWhenDoneAsync(Task running)
    {
        try
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _slots.Release();
        }
    }
}
