using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Migration staging. While a migration runs, its durable writes go to a staging shard that no
/// search reads, and the live index keeps serving the pre-migration state. At the end the new
/// shards of every touched version (old rows out, migrated rows in) are composed and their FAISS
/// shards built off to the side; ordinary writes arriving meanwhile are mirrored into them; then
/// all are swapped in under the write lock. A search therefore sees, per version, either the
/// state before the migration or the state after it, never a part of it.
/// </summary>
internal sealed partial class SimilarityIndex : IMigrationIndex
{
    private static readonly HashSet<long> NoSeqs = [];

    /// <summary>The running migration's stage; read and written under <c>_sync</c>.</summary>
    private MigrationStage? _migration;

    /// <summary>A stage the log says is complete; the follower switches it (<see cref="SwitchDueAsync"/>) before applying more.</summary>
    private MigrationStage? _switchDue;

    public bool SwitchDue => Volatile.Read(ref _switchDue) is not null;

    public bool MigrationStaged
    {
        get
        {
            lock (_sync)
            {
                return _migration is not null;
            }
        }
    }

    public IIndexMigration Begin(FeatureVersion target)
    {
        lock (_sync)
        {
            // A run another replica left unfinished (it died before its end was logged): this run,
            // to the same version, takes its staged rows over and switches them in at its own end.
            if (_migration is { FromLog: true } left && left.Target == target && _switchDue is null)
            {
                left.FromLog = false;
                return left;
            }

            if (_migration is not null)
            {
                throw new InvalidOperationException("A migration is already staged; migrations run one at a time.");
            }

            _migration = new MigrationStage(this, target);
            return _migration;
        }
    }

    /// <summary>
    /// Keeps the stage true to the store when an ordinary write lands during a migration (caller
    /// holds <c>_sync</c> and has applied the write to the live index). Before composition a
    /// write that replaces or deletes a staged vector drops it from the stage, and the row it had
    /// replaced leaves the live index too: the store holds neither any more. After composition,
    /// every write is mirrored into the composed shards it concerns.
    /// </summary>
    private void ObserveMigrationLocked(long? replacedSeq, FeatureVersion? replacedVersion, IndexedVector? added, float[]? normalized)
    {
        if (_migration is not { } stage)
        {
            return;
        }

        if (stage.Composed is not { } composed)
        {
            if (replacedSeq is { } seq && stage.Replaced.Remove(seq, out var old))
            {
                stage.Staged.Remove(seq);
                RemoveLocked(old.Seq, old.Version);
                _reshapes++;
            }

            return;
        }

        if (replacedSeq is { } gone && replacedVersion is { } goneVersion && composed.TryGetValue(goneVersion, out var from))
        {
            from.Remove(gone);
        }

        if (added is not null && composed.TryGetValue(added.Version, out var into))
        {
            into.Add(added.Seq, added.Id, normalized!, added.Tags);
        }
    }

    /// <summary>Switches in the stage the log completed (<see cref="SwitchDue"/>); called by the follower, off the write path.</summary>
    public async Task SwitchDueAsync()
    {
        if (Volatile.Read(ref _switchDue) is not { } stage)
        {
            return;
        }

        try
        {
            await SwitchAsync(stage);
        }
        finally
        {
            // Cleared only now: until the switch is done, catch-ups stop at the run's end instead of
            // finding the stage due a second time.
            Volatile.Write(ref _switchDue, null);
        }
    }

    /// <summary>
    /// A switch row from the log. The run's rows are staged (on the replica running it, into its
    /// own stage; elsewhere into a stage opened by the first row) until its end
    /// (<see cref="VectorChange.EndsMigration"/>), so searches here too see the whole run or none
    /// of it. False when an open stage from the log must be switched first.
    /// </summary>
    private bool FollowMigrationLocked(VectorChange change, StoredVector? row)
    {
        if (_switchDue is not null)
        {
            return false;
        }

        if (change.EndsMigration || (_migration is { FromLog: true } open && open.Target != change.Version))
        {
            if (_migration is { FromLog: true } done)
            {
                _switchDue = done;
                return false;
            }

            // The end of a run this process switched itself (or never saw a row of): nothing to do.
            if (change.EndsMigration)
            {
                AdvanceLocked(change.Generation);
                return true;
            }
        }

        _migration ??= new MigrationStage(this, change.Version) { FromLog = true };
        StageLocked(_migration, change.Seq, change.ReplacedSeq!.Value, change.ReplacedVersion ?? change.Version, row, change.Generation);
        return true;
    }

    /// <summary>A migration batch this process wrote: staged through the same in-order path as every change.</summary>
    private void Stage(MigrationStage stage, IReadOnlyList<VectorWrite> writes)
    {
        foreach (var write in writes)
        {
            if (!ApplyNext(write.Generation, () => StageLocked(stage, write.Vector.Seq, write.ReplacedSeq!.Value, write.ReplacedVersion!.Value, write.Vector, write.Generation)))
            {
                CatchUp(write.Generation);
            }
        }
    }

    /// <summary>
    /// Holds one migrated row until the switch. With <paramref name="row"/> null the new row is
    /// gone already (a later change replaced or deleted it): only the link to the row it replaced
    /// is kept, so that later change takes the old row out of the live index too.
    /// </summary>
    private void StageLocked(MigrationStage stage, long seq, long replacedSeq, FeatureVersion replacedVersion, StoredVector? row, long generation)
    {
        if (row is not null)
        {
            var vector = IndexedVector.From(row);
            stage.Staged.Add(vector.Seq, vector.Id, VectorMath.Normalize(vector.Values), vector.Tags);
        }

        stage.Replaced[seq] = (replacedSeq, replacedVersion);
        stage.Generation = Math.Max(stage.Generation, generation);
        AdvanceLocked(generation);
    }

    /// <summary>
    /// Composes the new exact shards, builds their FAISS shards off to the side, brings those to
    /// the applied generation through the change log (the writes mirrored into the composed
    /// shards meanwhile are in it) and swaps both in under the lock. FAISS shards the log cannot
    /// bring forward are built again; if that keeps failing, or FAISS cannot build them, FAISS is
    /// dropped as on any fault (its old shards would no longer match the exact ones): exact
    /// search serves and recovery rebuilds.
    /// </summary>
    private async Task SwitchAsync(MigrationStage stage)
    {
        var started = _time.GetTimestamp();
        FaissVectorIndex? dropped = null;
        string? dropReason = null;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                FaissNative? library;
                long from;
                List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> copies = [];
                lock (_sync)
                {
                    if (stage.Replaced.Count == 0)
                    {
                        return;
                    }

                    stage.Composed ??= Compose(stage);
                    library = _snapshot.Faiss?.Native;
                    from = _snapshot.Applied;
                    if (library is not null)
                    {
                        copies = [.. stage.Composed.Select(c => { var (v, s) = c.Value.Snapshot(); return (c.Key, v, s); })];
                    }
                }

                var composed = stage.Composed;
                FaissVectorIndex? built = null;
                ChangeReplay? replay = null;
                string? refused = null;
                if (library is not null)
                {
                    try
                    {
                        (built, var held) = await BuildCopiesAsync(library, copies, CancellationToken.None);
                        replay = new ChangeReplay(built, v => composed.GetValueOrDefault(v), composed.Keys.ToHashSet(), from, held);
                        refused = _log is null ? null : replay.CatchUp(_log, Generation);
                    }
                    catch (Exception exception) when (exception is FaissException or OutOfMemoryException)
                    {
                        built?.Dispose();
                        built = null;
                        refused = $"building the switched shards failed: {exception.Message}";
                        attempt = BuildAttempts;
                    }
                }

                lock (_sync)
                {
                    var current = _snapshot.Faiss;
                    if (refused is null && built is not null)
                    {
                        refused = _log is not null ? replay!.CatchUp(_log, _snapshot.Applied)
                            : _snapshot.Applied == from ? null : "a lone index (no change log) was written to while it was building";
                    }
                    else if (refused is null && current is not null)
                    {
                        // FAISS was attached (recovery) while there was none to build for: build now.
                        refused = "FAISS was attached while the switch was composed";
                    }

                    if (refused is not null && attempt < BuildAttempts)
                    {
                        built?.Dispose();
                        LogBuildRetried(refused);
                        continue;
                    }

                    foreach (var (version, shard) in composed)
                    {
                        Exact.Replace(version, shard);
                    }

                    if (current is not null && refused is null && built is not null)
                    {
                        foreach (var shard in built.Release())
                        {
                            current.Replace(shard);
                        }
                    }
                    else if (current is not null)
                    {
                        dropped = current;
                        dropReason = refused;
                        PublishLocked(_snapshot with { Faiss = null, Epoch = _snapshot.Epoch + 1 });
                    }

                    built?.Dispose();
                    _reshapes++;
                    PublishLocked(_snapshot with { Applied = Math.Max(_snapshot.Applied, stage.Generation), Saved = -1 });
                    _migration = null;
                }

                LogMigrationSwitched(stage.Replaced.Count, string.Join(", ", composed.Keys.Order().Select(v => v.Name())), _time.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
        }
        finally
        {
            lock (_sync)
            {
                _migration = null;
            }

            if (dropped is not null)
            {
                dropped.Dispose();
                LogSwitchDroppedFaiss(dropReason!);
                _faults.Report($"faiss_migration_build_failed: {dropReason}");
            }
        }
    }

    /// <summary>The new exact shards: each source version without its migrated rows, the target with them.</summary>
    private Dictionary<FeatureVersion, ExactShard> Compose(MigrationStage stage)
    {
        var composed = new Dictionary<FeatureVersion, ExactShard>();
        foreach (var group in stage.Replaced.Values.GroupBy(r => r.Version))
        {
            var removed = group.Select(r => r.Seq).ToHashSet();
            composed[group.Key] = Exact.Find(group.Key)?.CopyWithout(removed, group.Key == stage.Target ? stage.Staged.Count : 0) ?? new ExactShard(group.Key.Dimension());
        }

        // A migration within one version (v5 to v5 after its layout grew) composes its target from
        // the source copy above, which already lacks the replaced rows; copying the live shard
        // again would bring them back.
        if (!composed.TryGetValue(stage.Target, out var target))
        {
            target = Exact.Find(stage.Target)?.CopyWithout(NoSeqs, stage.Staged.Count) ?? new ExactShard(stage.Target.Dimension(), Math.Max(1024, stage.Staged.Count));
            composed[stage.Target] = target;
        }

        target.AddAll(stage.Staged);
        return composed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration switched {Count} vectors into the index (versions {Versions}) in {Milliseconds:F0} ms")]
    private partial void LogMigrationSwitched(int count, string versions, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS shards for the migration switch could not be built ({Reason}); serving exact search until the index is rebuilt")]
    private partial void LogSwitchDroppedFaiss(string reason);

    private sealed class MigrationStage(SimilarityIndex owner, FeatureVersion target) : IIndexMigration
    {
        private int _switched;

        public FeatureVersion Target { get; } = target;

        /// <summary>Opened by another replica's switch rows in the log; switched when the log says the run ended.</summary>
        public bool FromLog { get; set; }

        /// <summary>The migrated vectors, normalised, in their target layout.</summary>
        public ExactShard Staged { get; } = new(target.Dimension());

        /// <summary>New seq → the row it replaced, which the live index serves until the switch.</summary>
        public Dictionary<long, (long Seq, FeatureVersion Version)> Replaced { get; } = [];

        /// <summary>Set once the new shards are composed; from then on writes are mirrored into them.</summary>
        public Dictionary<FeatureVersion, ExactShard>? Composed { get; set; }

        public long Generation { get; set; }

        public void Stage(IReadOnlyList<VectorWrite> writes) => owner.Stage(this, writes);

        public Task SwitchAsync() =>
            Interlocked.Exchange(ref _switched, 1) == 0
                ? owner.SwitchAsync(this)
                : throw new InvalidOperationException("A migration stage switches once.");
    }
}
