using System.Collections.Concurrent;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.VectorSearch.Batching;

/// <summary>
/// Gathers concurrent searches of one feature version into one call of the batch search, so
/// one pass over the stored rows answers all of them (flat FAISS reads each row once per batch
/// instead of once per query; docs/PERFORMANCE.md).
/// <para>
/// No thread ever waits for a batch. The first caller of an idle version runs the batch itself
/// (it leads); callers arriving meanwhile queue and await. When a batch is done and more callers
/// queued, the oldest of them is told to lead the next one, on a pool thread, so nobody keeps
/// searching for others after its own answer. No timer either: a lone search goes straight
/// through; only when the previous batch had company does the leader first yield to the thread
/// pool once, so requests already waiting there reach the queue and share its batch.
/// </para>
/// <para>
/// Bounded: at most <paramref name="maxBatch"/> searches a call, and beyond
/// <paramref name="maxQueued"/> waiting searches a caller searches alone. A caller cancelled
/// while it waits is dropped from the batch (its task is cancelled); one already in a running
/// batch gets its answer. A failing batch fails each of its callers with the same exception.
/// </para>
/// </summary>
internal sealed class SearchBatcher(
    Func<IReadOnlyList<VectorSearchRequest>, IReadOnlyList<VectorSearchOutcome>> searchBatch,
    int maxBatch = SearchBatcher.DefaultMaxBatch,
    int maxQueued = SearchBatcher.DefaultMaxQueued)
{
    /// <summary>
    /// From 20 queries FAISS's flat scan uses BLAS; at 20k rows a batch of 32 cost 40-80 µs per
    /// query against 110-180 µs one at a time, and larger batches gained nothing more (24-d and
    /// 73-d, docs/PERFORMANCE.md).
    /// </summary>
    public const int DefaultMaxBatch = 32;

    public const int DefaultMaxQueued = 1024;

    private readonly ConcurrentDictionary<FeatureVersion, Lane> _lanes = new();

    public async ValueTask<VectorSearchOutcome> SearchAsync(VectorSearchRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lane = _lanes.GetOrAdd(request.Version, static _ => new Lane());
        var waiter = new Waiter(request);
        bool lead;
        lock (lane.Gate)
        {
            if (lane.Queue.Count >= maxQueued)
            {
                lead = false;
                waiter = null;
            }
            else
            {
                lead = !lane.Busy;
                lane.Busy = true;
                if (!lead)
                {
                    lane.Queue.Enqueue(waiter);
                }
            }
        }

        if (waiter is null)
        {
            return searchBatch([request])[0];
        }

        if (lead)
        {
            if (lane.HadCompany)
            {
                await Task.Yield();
            }
        }
        else
        {
            VectorSearchOutcome? outcome;
            using (cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Completion.TrySetCanceled(token), waiter))
            {
                outcome = await waiter.Completion.Task.ConfigureAwait(false);
            }

            if (outcome is not null)
            {
                return outcome;
            }

            // No answer but the lead: this caller runs the next batch.
        }

        return Lead(lane, waiter);
    }

    private VectorSearchOutcome Lead(Lane lane, Waiter own)
    {
        var batch = new List<Waiter>(maxBatch) { own };
        lock (lane.Gate)
        {
            while (batch.Count < maxBatch && lane.Queue.TryDequeue(out var waiting))
            {
                if (!waiting.Completion.Task.IsCompleted)
                {
                    batch.Add(waiting);
                }
            }
        }

        lane.HadCompany = batch.Count > 1;
        IReadOnlyList<VectorSearchOutcome> outcomes;
        try
        {
            outcomes = searchBatch([.. batch.Select(w => w.Request)]);
        }
        catch (Exception exception)
        {
            HandOff(lane);
            for (var i = 1; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetException(exception);
            }

            throw;
        }

        HandOff(lane);
        for (var i = 1; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(outcomes[i]);
        }

        return outcomes[0];
    }

    /// <summary>Gives the lead to the oldest caller still waiting, or marks the lane idle.</summary>
    private static void HandOff(Lane lane)
    {
        lock (lane.Gate)
        {
            while (lane.Queue.TryDequeue(out var next))
            {
                // Fails only for a caller cancelled meanwhile, which must not lead.
                if (next.Completion.TrySetResult(null))
                {
                    return;
                }
            }

            lane.Busy = false;
        }
    }

    private sealed class Lane
    {
        public Lock Gate { get; } = new();

        public Queue<Waiter> Queue { get; } = new();

        /// <summary>A batch is running or its successor has been told to lead (guarded by <see cref="Gate"/>).</summary>
        public bool Busy { get; set; }

        /// <summary>Whether the last batch held more than one search; a hint, read without the gate.</summary>
        public volatile bool HadCompany;
    }

    /// <summary>A queued search; its completion is the answer, or null for "lead the next batch".</summary>
    private sealed class Waiter(VectorSearchRequest request)
    {
        public VectorSearchRequest Request { get; } = request;

        public TaskCompletionSource<VectorSearchOutcome?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
