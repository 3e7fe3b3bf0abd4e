using System.Runtime.InteropServices;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Bringing a FAISS index that is not serving yet to the applied generation, by the change log:
/// a saved file loaded at start (it reflects generation G, the exact index a later one), a full
/// rebuild (start-up, recovery) and a shard rebuild (tombstones, IVF training) all copy or load
/// the state at some G, build or load off the request path, replay the log after G, and attach
/// under the owner's lock. Most of the log is replayed without holding writes back; the last
/// few changes, which landed meanwhile, are replayed under the lock just before the swap, so
/// the attached index reflects exactly the generation the exact index does. When the log cannot
/// bring it there (trimmed past G, or a migration reshaped the exact index meanwhile) the index
/// is never attached: a build is retried, a saved file is rebuilt.
/// </summary>
internal sealed partial class SimilarityIndex
{
    private const int ReplayPage = 4096;

    /// <summary>Up to this many changes are always replayed, whatever the index size.</summary>
    private const long ReplayFloor = 10_000;

    /// <summary>A build the log cannot bring forward is built again this many times before the caller hears why.</summary>
    private const int BuildAttempts = 3;

    /// <summary>
    /// Bumped (under the lock) whenever the exact index changes in a way the change log does not
    /// name seq by seq: a migration switch, or a staged row dropped together with the live row it
    /// replaced. An index built or loaded before such a change cannot be replayed forward.
    /// </summary>
    private long _reshapes;

    /// <summary>
    /// The changes after <paramref name="after"/>, oldest first; null (and why in <paramref name="gap"/>)
    /// when the log no longer starts right after it. Shared by every reader of the log in this type.
    /// </summary>
    private static IReadOnlyList<VectorChange>? NextChanges(IVectorChangeLog log, long after, int limit, out string? gap)
    {
        var page = log.ReadAfter(after, limit);
        gap = page.Count > 0 && page[0].Generation > after + 1
            ? $"the change log starts at generation {page[0].Generation}, after {after} (trimmed, or written before the log existed)"
            : null;
        return gap is null ? page : null;
    }

    /// <summary>
    /// Replays the log after <paramref name="savedGeneration"/> into <paramref name="loaded"/> and
    /// attaches it, unless a degradation started a new epoch since <paramref name="yieldTo"/>. On
    /// any outcome but <see cref="ReplayResult.Attached"/> the loaded index is disposed.
    /// </summary>
    public ReplayOutcome AttachReplayed(FaissVectorIndex loaded, long savedGeneration, long? yieldTo = null)
    {
        var replay = new ChangeReplay(loaded, Exact.Find, null, savedGeneration, null);
        var attached = false;
        try
        {
            // Replayed inserts are added in batches, i.e. at about a build's cost per vector: a
            // snapshot far behind (more changes than vectors, and many) is no cheaper to catch up than to rebuild.
            var behind = Generation - savedGeneration;
            if (_log is null)
            {
                return new ReplayOutcome(ReplayResult.LogIncomplete, 0, "no change log to replay from");
            }

            if (behind > Math.Max(ReplayFloor, Exact.Count))
            {
                return new ReplayOutcome(ReplayResult.LogIncomplete, 0, $"{behind} changes behind the store with {Exact.Count} vectors: rebuilding is cheaper");
            }

            long reshapes;
            lock (_sync)
            {
                reshapes = _reshapes;
            }

            if (replay.CatchUp(_log, Generation) is { } gap)
            {
                return new ReplayOutcome(ReplayResult.LogIncomplete, replay.Replayed, gap);
            }

            FaissVectorIndex? retired;
            lock (_sync)
            {
                // A staged migration's writes are durable but deliberately not in the exact index
                // yet: the log and the index disagree until the switch, so replay cannot line up.
                var refused = _migration is not null || _reshapes != reshapes ? "a migration is staged" : replay.CatchUp(_log, _snapshot.Applied);
                if (refused is not null)
                {
                    return new ReplayOutcome(ReplayResult.LogIncomplete, replay.Replayed, refused);
                }

                if (yieldTo is { } epoch && _snapshot.Epoch != epoch)
                {
                    return new ReplayOutcome(ReplayResult.Yielded, replay.Replayed, "a degradation was recorded meanwhile");
                }

                retired = _snapshot.Faiss;
                // The file still reflects the snapshot's generation: the next save writes the caught-up state.
                PublishLocked(_snapshot with { Faiss = loaded, Saved = savedGeneration });
                attached = true;
            }

            retired?.Dispose();
            _metrics.Replayed(replay.Replayed);
            return new ReplayOutcome(ReplayResult.Attached, replay.Replayed, $"replayed {replay.Replayed} changes after generation {savedGeneration}");
        }
        catch (FaissException exception)
        {
            return new ReplayOutcome(ReplayResult.Failed, replay.Replayed, exception.Message);
        }
        finally
        {
            if (!attached)
            {
                loaded.Dispose();
            }
        }
    }

    /// <summary>
    /// Builds FAISS shards for <paramref name="versions"/> (all when null) from a copy of the exact
    /// index, without blocking searches or writes, brings them to the applied generation through
    /// the change log, and swaps them in. With <paramref name="native"/> given, a whole new FAISS
    /// index replaces (or attaches in place of) the current one; otherwise the shards are replaced
    /// in the current one, or dropped if FAISS was detached (degraded) while they were building.
    /// With <paramref name="yieldTo"/> given (a warm-up build) nothing attaches once a degradation
    /// has started a later epoch; a recovery's own build passes none.
    /// </summary>
    public async Task RebuildAsync(
        FaissNative? native,
        IReadOnlyCollection<FeatureVersion>? versions,
        CancellationToken cancellationToken,
        long? yieldTo = null)
    {
        var started = _time.GetTimestamp();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (count, refused) = await BuildOnceAsync(native, versions, yieldTo, cancellationToken);
                if (refused is null)
                {
                    var elapsed = _time.GetElapsedTime(started);
                    _metrics.Rebuilt("ok", elapsed);
                    LogRebuilt(Spec.Name, count, elapsed.TotalMilliseconds);
                    return;
                }

                if (attempt == BuildAttempts)
                {
                    throw new InvalidOperationException($"The built FAISS index could not be brought to the applied generation: {refused}.");
                }

                LogBuildRetried(refused);
            }
        }
        catch (Exception exception) when (exception is FaissException or OutOfMemoryException or InvalidOperationException)
        {
            _metrics.Rebuilt("error", _time.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>One build attempt: the number of vectors built and null, or why the log could not bring it to the swap.</summary>
    private async Task<(long Count, string? Refused)> BuildOnceAsync(FaissNative? native, IReadOnlyCollection<FeatureVersion>? versions, long? yieldTo, CancellationToken cancellationToken)
    {
        FaissNative library;
        long from;
        long reshapes;
        List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> copies;
        lock (_sync)
        {
            library = native ?? _snapshot.Faiss?.Native ?? throw new InvalidOperationException("No FAISS library to rebuild with.");
            copies = [.. Exact.Shards
                .Where(s => versions is null || versions.Contains(s.Version))
                .Select(s => { var (v, q) = s.Shard.Snapshot(); return (s.Version, v, q); })];
            from = _snapshot.Applied;
            reshapes = _reshapes;
        }

        var count = copies.Sum(c => (long)c.Seqs.Length);
        var (built, held) = await BuildCopiesAsync(library, copies, cancellationToken);
        var attached = false;
        try
        {
            var replay = new ChangeReplay(built, Exact.Find, versions?.ToHashSet(), from, held);
            if (_log is not null && replay.CatchUp(_log, Generation) is { } gap)
            {
                return (count, gap);
            }

            FaissVectorIndex? retired = null;
            lock (_sync)
            {
                var current = _snapshot;
                if ((native is null && current.Faiss is null) || (yieldTo is { } epoch && current.Epoch != epoch))
                {
                    // Finished after FAISS was detached for a degradation: attaching it would
                    // serve FAISS behind the tracker's back; recovery attaches its own build.
                    return (count, null);
                }

                var refused = _reshapes != reshapes ? "a migration switched while it was building"
                    : _log is not null ? replay.CatchUp(_log, current.Applied)
                    : current.Applied == from ? null : "a lone index (no change log) was written to while it was building";
                if (refused is not null)
                {
                    return (count, refused);
                }

                var now = _time.GetTimestamp();
                if (native is null)
                {
                    foreach (var shard in built.Release())
                    {
                        current.Faiss!.Replace(shard);
                    }

                    current.Faiss!.BuiltAtTimestamp = now;
                    PublishLocked(current with { Saved = -1 });
                }
                else
                {
                    built.BuiltAtTimestamp = now;
                    retired = current.Faiss;
                    PublishLocked(current with { Faiss = built, Saved = -1 });
                }

                attached = true;
            }

            retired?.Dispose();
            return (count, null);
        }
        finally
        {
            if (!attached)
            {
                built.Dispose();
            }
        }
    }

    /// <summary>
    /// FAISS shards built from copied rows, off the request path, in an index of their own that
    /// nothing serves yet; with the copied seqs sorted per version, so that replay can tell which
    /// rows the build already holds (the exact index may hold rows whose change comes after the
    /// copy's generation: loaded at start, read after the generation was).
    /// </summary>
    private async Task<(FaissVectorIndex Built, Func<FeatureVersion, long, bool> Held)> BuildCopiesAsync(
        FaissNative library,
        List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> copies,
        CancellationToken cancellationToken)
    {
        var built = new FaissVectorIndex(library, Spec, _time.GetTimestamp());
        try
        {
            var held = await Task.Run(() =>
            {
                var held = new Dictionary<FeatureVersion, long[]>();
                foreach (var (version, vectors, seqs) in copies)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    built.Replace(FaissVectorIndex.Build(library, Spec, version, vectors, seqs));
                    Array.Sort(seqs);
                    held[version] = seqs;
                }

                return held;
            }, cancellationToken);
            copies.Clear();
            return (built, (version, seq) => held.TryGetValue(version, out var seqs) && Array.BinarySearch(seqs, seq) >= 0);
        }
        catch
        {
            built.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Net effect of the changes after generation <c>from</c> on a FAISS index that reflects it,
    /// applied in batches, with the exact shards (<c>rows</c>) as the reference of what is stored
    /// now. A seq written after <c>from</c> waits in a batch and is dropped from it when a later
    /// change removes it; when the batch is flushed it is added only if the reference still
    /// holds it (a change past the replayed range may have removed it already) and the index did
    /// not have it already (<c>held</c>). A removal takes a seq out of FAISS only if FAISS has it
    /// (it predates <c>from</c> or an earlier flush added it) and the reference no longer does (a
    /// staged migration keeps the row it replaces until its switch). Seqs are never reused, so
    /// adds and removals of different seqs commute and batching keeps the result of applying the
    /// log one change at a time. With <c>only</c> given, changes to other versions are skipped.
    /// </summary>
    private sealed class ChangeReplay(
        FaissVectorIndex target,
        Func<FeatureVersion, ExactShard?> rows,
        IReadOnlySet<FeatureVersion>? only,
        long from,
        Func<FeatureVersion, long, bool>? held)
    {
        /// <summary>Bounds the vectors copied out for one native add (64k × 24 floats is 6 MB).</summary>
        private const int BatchLimit = 65_536;

        private readonly HashSet<long> _writtenAfter = [];
        private readonly HashSet<long> _added = [];
        private readonly HashSet<long> _waiting = [];
        private readonly Dictionary<FeatureVersion, List<long>> _inserts = [];
        private readonly Dictionary<FeatureVersion, List<long>> _removals = [];

        public long Applied { get; private set; } = from;

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
                var page = NextChanges(log, Applied, ReplayPage, out var gap);
                if (page is null || page.Count == 0)
                {
                    return gap ?? $"the change log does not reach generation {through} (it ends at {Applied})";
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

            if (only?.Contains(change.Version) == false)
            {
                return;
            }

            _writtenAfter.Add(change.Seq);
            _waiting.Add(change.Seq);
            Batch(_inserts, change.Version).Add(change.Seq);
        }

        private void Remove(long seq, FeatureVersion version)
        {
            if (only?.Contains(version) == false)
            {
                return;
            }

            // Dropped from its batch if it is still waiting; FAISS has it only if it predates the
            // replay, an earlier flush added it, or the build's copy already held it.
            _waiting.Remove(seq);
            if (!_writtenAfter.Contains(seq) || _added.Remove(seq) || held?.Invoke(version, seq) == true)
            {
                Batch(_removals, version).Add(seq);
            }
        }

        private void Flush()
        {
            foreach (var (version, seqs) in _removals)
            {
                var reference = rows(version);
                var gone = new List<long>(seqs.Count);
                foreach (var seq in seqs)
                {
                    if (reference?.TryDescribe(seq, out _, out _) == true)
                    {
                        // Still stored (a staged migration's replaced row): FAISS keeps it too.
                        if (_writtenAfter.Contains(seq))
                        {
                            _added.Add(seq);
                        }
                    }
                    else
                    {
                        gone.Add(seq);
                    }
                }

                target.Find(version)?.Remove(CollectionsMarshal.AsSpan(gone));
            }

            foreach (var (version, seqs) in _inserts)
            {
                var dimension = version.Dimension();
                var shard = rows(version);
                var vectors = new float[seqs.Count * dimension];
                var present = new List<long>(seqs.Count);
                foreach (var seq in seqs)
                {
                    if (_waiting.Contains(seq) && held?.Invoke(version, seq) != true && shard?.TryCopy(seq, vectors.AsSpan(present.Count * dimension, dimension)) == true)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS {Kind} index built from {Count} stored vectors in {Milliseconds:F0} ms")]
    private partial void LogRebuilt(string kind, long count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The FAISS index just built could not be brought to the applied generation ({Reason}); building again")]
    private partial void LogBuildRetried(string reason);
}

internal enum ReplayResult
{
    Attached,
    LogIncomplete,
    Yielded,
    Failed,
}

internal sealed record ReplayOutcome(ReplayResult Result, long Replayed, string Detail);
