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

    /// <summary>The running migration's stage; read and written under <c>_writeSync</c>.</summary>
    private MigrationStage? _migration;

    /// <summary>A stage the log says is complete; the follower switches it (<see cref="SwitchDueAsync"/>) before applying more.</summary>
    private MigrationStage? _switchDue;

    public bool SwitchDue => Volatile.Read(ref _switchDue) is not null;

    public bool MigrationStaged
    {
        get
        {
            lock (_writeSync)
            {
                return _migration is not null;
            }
        }
    }

    public IIndexMigration Begin(FeatureVersion target)
    {
        lock (_writeSync)
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
    /// holds <c>_writeSync</c> and has applied the write to the live index). Before composition a
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
                Interlocked.Exchange(ref _generation, change.Generation);
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
        Interlocked.Exchange(ref _generation, generation);
    }

    private async Task SwitchAsync(MigrationStage stage)
    {
        // No concurrent rebuild: it would build from shards about to be replaced.
        await _rebuildGate.WaitAsync(CancellationToken.None);
        var started = _time.GetTimestamp();
        try
        {
            FaissVectorIndex? faiss;
            List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> snapshots = [];
            lock (_writeSync)
            {
                if (stage.Replaced.Count == 0)
                {
                    _migration = null;
                    return;
                }

                stage.Composed = Compose(stage);
                faiss = _faiss;
                if (faiss is not null)
                {
                    snapshots = [.. stage.Composed.Select(c => { var (v, s) = c.Value.Snapshot(); return (c.Key, v, s); })];
                    _pending = [];
                }
            }

            var built = faiss is null ? [] : await BuildAsync(faiss, snapshots);
            lock (_writeSync)
            {
                foreach (var write in _pending ?? [])
                {
                    var shard = built.FirstOrDefault(s => s.Version == write.Version);
                    if (write.Vector is null)
                    {
                        shard?.Remove(write.Seq);
                    }
                    else
                    {
                        shard?.Add(write.Seq, write.Vector);
                    }
                }

                _pending = null;
                foreach (var (version, shard) in stage.Composed)
                {
                    Exact.Replace(version, shard);
                }

                if (faiss is not null && ReferenceEquals(_faiss, faiss))
                {
                    built.ForEach(faiss.Replace);
                }
                else
                {
                    built.ForEach(s => s.Dispose());
                }

                Interlocked.Exchange(ref _generation, Math.Max(Generation, stage.Generation));
                Interlocked.Exchange(ref _savedGeneration, -1);
                _migration = null;
            }

            LogMigrationSwitched(stage.Replaced.Count, string.Join(", ", stage.Composed.Keys.Order().Select(v => v.Name())), _time.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            lock (_writeSync)
            {
                _pending = null;
                _migration = null;
            }

            _rebuildGate.Release();
        }
    }

    /// <summary>The new exact shards: each source version without its migrated rows, the target with them.</summary>
    private Dictionary<FeatureVersion, ExactShard> Compose(MigrationStage stage)
    {
        var composed = new Dictionary<FeatureVersion, ExactShard>();
        foreach (var group in stage.Replaced.Values.GroupBy(r => r.Version))
        {
            var removed = group.Select(r => r.Seq).ToHashSet();
            composed[group.Key] = Exact.Find(group.Key)?.CopyWithout(removed, 0) ?? new ExactShard(group.Key.Dimension());
        }

        var target = Exact.Find(stage.Target)?.CopyWithout(NoSeqs, stage.Staged.Count) ?? new ExactShard(stage.Target.Dimension(), Math.Max(1024, stage.Staged.Count));
        target.AddAll(stage.Staged);
        composed[stage.Target] = target;
        return composed;
    }

    /// <summary>
    /// FAISS shards for the composed versions, built without holding any lock. If FAISS fails (or
    /// memory runs out) the old FAISS shards would no longer match the exact ones, so FAISS is
    /// dropped as on any FAISS fault: exact search serves and recovery rebuilds.
    /// </summary>
    private async Task<List<FaissShard>> BuildAsync(FaissVectorIndex faiss, List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> snapshots)
    {
        var built = new List<FaissShard>();
        try
        {
            await Task.Run(() =>
            {
                foreach (var (version, vectors, seqs) in snapshots)
                {
                    built.Add(FaissVectorIndex.Build(faiss.Native, Spec, version, vectors, seqs));
                }
            });
            return built;
        }
        catch (Exception exception) when (exception is FaissException or OutOfMemoryException)
        {
            built.ForEach(s => s.Dispose());
            Fault(faiss, "migration_build", exception as FaissException ?? new FaissException(FaissStatus.OutOfMemory, "migration_build", exception.Message));
            return [];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration switched {Count} vectors into the index (versions {Versions}) in {Milliseconds:F0} ms")]
    private partial void LogMigrationSwitched(int count, string versions, double milliseconds);

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
