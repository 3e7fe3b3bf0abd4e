using System.Collections.Concurrent;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.VectorSearch.Batching;

/// <summary>
/// Gathers concurrent searches of one feature version into one call of the batch search, so
/// one pass over the stored rows answers all of them (flat FAISS reads each row once per batch
/// instead of once per query: the shim's 8-bit screen up to 8 queries, its lane kernel from 9;
/// docs/PERFORMANCE.md).
/// <para>
/// No thread ever waits for a batch, and there is no timer. A caller that finds fewer than
/// <paramref name="maxLeaders"/> batches running leads one: it yields to the thread pool a few
/// times while that brings more searches (the window), then runs the batch on its own thread.
/// Callers arriving meanwhile queue and await. When a batch is done and callers are queued, the
/// oldest of them is told to lead the next one (its continuation runs it on a pool thread), so
/// nobody keeps searching for others after its own answer. One leader by default: with one per
/// core, measured on 2 cores, nearly every batch held one search (the scan is a small part of a
/// search request, so two rarely overlap), and nothing was gained.
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
    int maxLeaders = 1,
    int maxBatch = SearchBatcher.DefaultMaxBatch,
    int maxQueued = SearchBatcher.DefaultMaxQueued)
{
    /// <summary>
    /// Larger batches gained nothing more per query at 20k rows (24-d and 73-d, docs/PERFORMANCE.md),
    /// and every search in a batch waits for the whole pass.
    /// </summary>
    public const int DefaultMaxBatch = 32;

    public const int DefaultMaxQueued = 1024;

    /// <summary>
    /// How many times a leader yields to the thread pool before taking its batch, while each
    /// yield brings more searches. A yield only costs time when other work is queued, which on
    /// an idle service it is not.
    /// </summary>
    private const int GatherRounds = 4;

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
                lead = lane.Leaders < maxLeaders;
                if (lead)
                {
                    lane.Leaders++;
                }
                else
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
            // The window: requests already on the thread pool's queue (other searches on their way
            // here) run before the yielded leader does; stop as soon as a round brings nobody new.
            for (var round = 0; round < GatherRounds; round++)
            {
                var queued = lane.Queue.Count;
                await Task.Yield();
                if (lane.Queue.Count == queued)
                {
                    break;
                }
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

            lane.Leaders--;
        }
    }

    private sealed class Lane
    {
        public Lock Gate { get; } = new();

        public Queue<Waiter> Queue { get; } = new();

        /// <summary>Batches running, or callers told to lead the next one (guarded by <see cref="Gate"/>).</summary>
        public int Leaders { get; set; }
    }

    /// <summary>A queued search; its completion is the answer, or null for "lead the next batch".</summary>
    private sealed class Waiter(VectorSearchRequest request)
    {
        public VectorSearchRequest Request { get; } = request;

        public TaskCompletionSource<VectorSearchOutcome?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
