using CadMl.Application.Vectors.Ports;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// The one path by which store changes reach the running index: "apply the log, in generation
/// order, up to G". Writes this process made take a fast path when they are exactly the next
/// generation (<see cref="SimilarityIndex.Apply"/>); anything else (writes through other replicas,
/// a local write that overtook them, a staged migration batch) is read from the change log and
/// applied here, so the applied generation always means "every change up to it, none after".
/// Waiters for a generation (read-your-writes) await a signal raised on every advance.
/// </summary>
internal sealed partial class SimilarityIndex
{
    private const int FollowPage = 1024;

    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Why the log cannot bring this index forward (trimmed past it); null while it can.</summary>
    public string? FollowProblem { get; private set; }

    /// <summary>
    /// Applies the logged changes after the applied generation, up to <paramref name="through"/>
    /// (the end of the log by default); returns the generation applied. Reads the log outside the
    /// owner's lock and applies each page under it, skipping what another caller applied meanwhile.
    /// </summary>
    public long CatchUp(long through = long.MaxValue)
    {
        if (_log is null)
        {
            return Generation;
        }

        while (Generation < through)
        {
            var after = Generation;
            var page = NextChanges(_log, after, FollowPage, out var gap);
            if (page is null)
            {
                if (FollowProblem is null)
                {
                    FollowProblem = $"{gap}: restart the replica to reload";
                    LogFollowBroken(FollowProblem);
                }

                break;
            }

            if (page.Count == 0)
            {
                break;
            }

            var rows = _log.ReadRows([.. page.Where(c => c.Kind != VectorChangeKind.Delete).Select(c => c.Seq)]).ToDictionary(r => r.Seq);
            var applied = 0;
            lock (_sync)
            {
                foreach (var change in page)
                {
                    if (change.Generation > through || change.Generation > Generation + 1)
                    {
                        break;
                    }

                    if (change.Generation == Generation + 1)
                    {
                        if (!ApplyChangeLocked(change, rows.GetValueOrDefault(change.Seq)))
                        {
                            break;
                        }

                        applied++;
                    }
                }
            }

            Signal();
            _metrics.Followed(applied);
            if (Generation == after || SwitchDue)
            {
                break;
            }
        }

        return Generation;
    }

    /// <summary>
    /// Completes when the applied generation reaches <paramref name="generation"/> (true) or
    /// <paramref name="bound"/> passes (false). Awaits the advance signal: no thread waits.
    /// </summary>
    public async ValueTask<bool> WaitForGenerationAsync(long generation, TimeSpan bound, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(bound.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            var advanced = Volatile.Read(ref _advanced).Task;
            if (Generation >= generation)
            {
                return true;
            }

            var remaining = TimeSpan.FromSeconds((deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await advanced.WaitAsync(remaining, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return Generation >= generation;
            }
        }
    }

    /// <summary>Wakes every waiter; called after the applied generation moved (never under the owner's lock's readers' feet: the generation is written first).</summary>
    private void Signal() =>
        Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// One logged change, with the row it wrote as the store holds it now (null when a later change
    /// removed it). False when the change must wait for a staged migration's switch
    /// (<see cref="SwitchDue"/>): it is applied on the next catch-up, after the switch.
    /// </summary>
    private bool ApplyChangeLocked(VectorChange change, StoredVector? row)
    {
        if (change.Kind == VectorChangeKind.Delete)
        {
            ApplyRemovalLocked(change.Seq, change.Version, change.Generation);
            return true;
        }

        if (change.Kind == VectorChangeKind.Switch)
        {
            return FollowMigrationLocked(change, row);
        }

        if (row is not null)
        {
            ApplyWriteLocked(new VectorWrite(row, change.ReplacedSeq, change.ReplacedVersion, change.Generation));
            return true;
        }

        // The row is gone already (a later change replaced or deleted it, and will say so): only the
        // row this change replaced leaves now.
        if (change.ReplacedSeq is { } replaced)
        {
            var version = change.ReplacedVersion ?? change.Version;
            RemoveLocked(replaced, version);
            ObserveMigrationLocked(replaced, version, null, null);
        }

        AdvanceLocked(change.Generation);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The vector index cannot follow the store any more: {Problem}")]
    private partial void LogFollowBroken(string problem);
}
