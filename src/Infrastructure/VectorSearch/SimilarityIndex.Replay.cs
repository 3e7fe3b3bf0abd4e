using System.Runtime.InteropServices;
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
            // Replayed inserts are added in batches, i.e. at about a build's cost per vector: a
            // snapshot far behind (more changes than vectors, and many) is no cheaper to catch up than to rebuild.
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
    /// Net effect of the changes after the snapshot, applied in batches. A seq written after the
    /// snapshot waits in a batch and is dropped from it when a later change removes it; when the
    /// batch is flushed it is added only if the exact index still holds it (a change past the
    /// replayed range may have removed it already). A removal takes a seq out of FAISS only if
    /// FAISS has it, i.e. it predates the snapshot or an earlier flush added it. Seqs are never
    /// reused, so adds and removals of different seqs commute and batching keeps the result of
    /// applying the log one change at a time.
    /// </summary>
    private sealed class ChangeReplay(FaissVectorIndex target, Exact.ExactVectorIndex exact, long savedGeneration)
    {
        /// <summary>Bounds the vectors copied out for one native add (64k × 24 floats is 6 MB).</summary>
        private const int BatchLimit = 65_536;

        private readonly HashSet<long> _writtenAfter = [];
        private readonly HashSet<long> _added = [];
        private readonly HashSet<long> _waiting = [];
        private readonly Dictionary<FeatureVersion, List<long>> _inserts = [];
        private readonly Dictionary<FeatureVersion, List<long>> _removals = [];

        public long Applied { get; private set; } = savedGeneration;

        public long Replayed { get; private set; }

        /// <summary>Applies the changes up to <paramref name="through"/>; null when done, else why the log cannot bring the index there.</summary>
        public string? CatchUp(IVectorChangeLog log, long through)
        {
            var refused = Read(log, through);
            if (refused is null)
            {
                Flush();
            }

            return refused;
        }

        private string? Read(IVectorChangeLog log, long through)
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

                if (_waiting.Count >= BatchLimit)
                {
                    Flush();
                }
            }

            return null;
        }

        private void Apply(VectorChange change)
        {
            if (change.EndsMigration)
            {
                return;
            }

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
            _waiting.Add(change.Seq);
            Batch(_inserts, change.Version).Add(change.Seq);
        }

        private void Remove(long seq, FeatureVersion version)
        {
            if (_waiting.Remove(seq))
            {
                return;
            }

            if (!_writtenAfter.Contains(seq) || _added.Remove(seq))
            {
                Batch(_removals, version).Add(seq);
            }
        }

        private void Flush()
        {
            foreach (var (version, seqs) in _removals)
            {
                target.Find(version)?.Remove(CollectionsMarshal.AsSpan(seqs));
            }

            foreach (var (version, seqs) in _inserts)
            {
                var dimension = version.Dimension();
                var shard = exact.Find(version);
                var vectors = new float[seqs.Count * dimension];
                var present = new List<long>(seqs.Count);
                foreach (var seq in seqs)
                {
                    if (_waiting.Contains(seq) && shard?.TryCopy(seq, vectors.AsSpan(present.Count * dimension, dimension)) == true)
                    {
                        present.Add(seq);
                    }
                }

                if (present.Count > 0)
                {
                    target.GetOrCreate(version).Add(CollectionsMarshal.AsSpan(present), vectors.AsSpan(0, present.Count * dimension));
                    _added.UnionWith(present);
                }
            }

            _removals.Clear();
            _inserts.Clear();
            _waiting.Clear();
        }

        private static List<long> Batch(Dictionary<FeatureVersion, List<long>> batches, FeatureVersion version)
        {
            if (!batches.TryGetValue(version, out var batch))
            {
                batches[version] = batch = [];
            }

            return batch;
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
