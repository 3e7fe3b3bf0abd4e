namespace CadMl.Application.Faiss;

/// <summary>
/// Completes at the next change of the degradation state (a drill, a fault report, a manual
/// attempt ending), so the recovery loop reschedules at once instead of at its next planned wake.
/// </summary>
public sealed class RecoveryWakeup
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    internal void Pulse() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
