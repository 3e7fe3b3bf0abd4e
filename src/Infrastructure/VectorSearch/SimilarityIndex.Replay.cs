using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Faiss;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Catching a saved FAISS index up with the store: the snapshot reflects generation G, the store
/// (and the exact index) a later one; the change log's rows after G say which seqs to add and
/// which to remove. Most of the log is replayed without holding writes back; the last few
/// changes, which landed meanwhile, are replayed under the write lock just before the attach, so
/// the attached index reflects exactly the generation the exact index does.
/// </summary>
internal sealed partial class SimilarityIndex
{
    private const int ReplayPage = 4096;

    /// <summary>Up to this many changes are always replayed, whatever the index size.</summary>
    private const long ReplayFloor = 10_000;

    /// <summary>
    /// Replays the log after <paramref name="savedGeneration"/> into <paramref name="loaded"/> and
    /// attaches it. On any outcome but <see cref="ReplayResult.Attached"/> the loaded index is disposed.
    /// </summary>
    public ReplayOutcome AttachReplayed(FaissVectorIndex loaded, long savedGeneration, IVectorChangeLog log, bool yieldToDegradation = false)
    {
        var replay = new ChangeReplay(loaded, Exact, savedGeneration);
        try
        {
            // One-by-one adds cost about what a build costs per vector, and a build is parallel:
            // a snapshot far behind (more changes than vectors, and many) is cheaper to rebuild.
            var behind = Generation - savedGeneration;
            if (behind > Math.Max(ReplayFloor, Exact.Count))
            {
                loaded.Dispose();
                return new ReplayOutcome(ReplayResult.LogIncomplete, 0, $"{behind} changes behind the store with {Exact.Count} vectors: rebuilding is cheaper");
            }

            if (replay.CatchUp(log, Generation) is { } gap)
            {
                loaded.Dispose();
                return new ReplayOutcome(ReplayResult.LogIncomplete, replay.Replayed, gap);
            }

            lock (_writeSync)
            {
                // A staged migration's writes are durable but deliberately not in the exact index
                // yet: the log and the index disagree until the switch, so replay cannot line up.
                var refused = _migration is not null ? "a migration is staged" : replay.CatchUp(log, Generation);
                if (refused is not null)
                {
                    loaded.Dispose();
                    return new ReplayOutcome(ReplayResult.LogIncomplete, replay.Replayed, refused);
                }

                if (yieldToDegradation && _heldBack)
                {
                    loaded.Dispose();
                    return new ReplayOutcome(ReplayResult.Yielded, replay.Replayed, "a degradation was recorded meanwhile");
                }

                var old = _faiss;
                _faiss = loaded;
                _heldBack = false;
                old?.Dispose();
                // The file still reflects the snapshot's generation: the next save writes the caught-up state.
                Interlocked.Exchange(ref _savedGeneration, savedGeneration);
            }

            _metrics.Replayed(replay.Replayed);
            return new ReplayOutcome(ReplayResult.Attached, replay.Replayed, $"replayed {replay.Replayed} changes after generation {savedGeneration}");
        }
        catch (FaissException exception)
        {
            loaded.Dispose();
            return new ReplayOutcome(ReplayResult.Failed, replay.Replayed, exception.Message);
        }
    }

    /// <summary>
    /// Net effect of the changes after the snapshot, applied as they are read. A seq written after
    /// the snapshot is added only if the exact index still holds it (a later change may have
    /// removed it already); a removal takes a seq out of FAISS only if FAISS has it, i.e. it
    /// predates the snapshot or replay added it. Seqs are never reused, so this is exact.
    /// </summary>
    private sealed class ChangeReplay(FaissVectorIndex target, Exact.ExactVectorIndex exact, long savedGeneration)
    {
        private readonly HashSet<long> _writtenAfter = [];
        private readonly HashSet<long> _added = [];

        public long Applied { get; private set; } = savedGeneration;

        public long Replayed { get; private set; }

        /// <summary>Applies the changes up to <paramref name="through"/>; null when done, else why the log cannot bring the index there.</summary>
        public string? CatchUp(IVectorChangeLog log, long through)
        {
            while (Applied < through)
            {
                var page = log.ReadAfter(Applied, ReplayPage);
                if (page.Count == 0 || page[0].Generation != Applied + 1)
                {
                    return $"the change log does not reach back to generation {Applied + 1} (trimmed, or written before the log existed)";
                }

                foreach (var change in page)
                {
                    if (change.Generation > through)
                    {
                        return null;
                    }

                    if (change.Generation != Applied + 1)
                    {
                        return $"the change log skips from generation {Applied} to {change.Generation}";
                    }

                    Apply(change);
                    Applied = change.Generation;
                    Replayed++;
                }
            }

            return null;
        }

        private void Apply(VectorChange change)
        {
            if (change.Kind == VectorChangeKind.Delete)
            {
                Remove(change.Seq, change.Version);
                return;
            }

            if (change.ReplacedSeq is { } replaced)
            {
                Remove(replaced, change.ReplacedVersion ?? change.Version);
            }

            _writtenAfter.Add(change.Seq);
            var normalized = new float[change.Version.Dimension()];
            if (exact.Find(change.Version)?.TryCopy(change.Seq, normalized) == true)
            {
                target.GetOrCreate(change.Version).Add(change.Seq, normalized);
                _added.Add(change.Seq);
            }
        }

        private void Remove(long seq, FeatureVersion version)
        {
            if (!_writtenAfter.Contains(seq) || _added.Remove(seq))
            {
                target.Find(version)?.Remove(seq);
            }
        }
    }
}

internal enum ReplayResult
{
    Attached,
    LogIncomplete,
    Yielded,
    Failed,
}

internal sealed record ReplayOutcome(ReplayResult Result, long Replayed, string Detail);
