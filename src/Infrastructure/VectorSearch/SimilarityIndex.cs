using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// The <see cref="IVectorIndex"/> the Application sees. It keeps the exact index complete at all
/// times and, unless the configuration says <c>exact</c>, a FAISS index of the configured kind
/// on top. Searches go to FAISS when it can serve the version and to exact otherwise; a FAISS
/// failure (a throwing search or write) detaches FAISS and reports the fault (<see cref="FaissFaultReports"/>), and the same request
/// is answered by exact search, so callers never see it. Writes arrive serialised (VectorRegistry);
/// <c>_writeSync</c> additionally orders them against rebuilds, which replay writes that landed
/// while they were building.
/// </summary>
internal sealed partial class SimilarityIndex : IVectorIndex, IDisposable
{
    public const string FaissBackend = "faiss";
    public const string ExactBackend = "exact";

    private readonly VectorIndexOptions _options;
    private readonly VectorIndexMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<SimilarityIndex> _logger;
    private readonly FaissFaultReports _faults;
    private readonly IVectorChangeLog? _log;
    private readonly Lock _writeSync = new();
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private volatile FaissVectorIndex? _faiss;
    private List<PendingWrite>? _pending;
    private long _generation;
    private long _savedGeneration = -1;

    /// <summary>
    /// Set when FAISS is detached for a degradation, cleared when recovery attaches it again.
    /// Builds that merely warm the index (start-up in the background) yield to it.
    /// </summary>
    private bool _heldBack;

    /// <param name="changeLog">The store's change log, read to catch up with changes this process did not apply itself (null in unit tests of a lone index).</param>
    public SimilarityIndex(IOptions<VectorIndexOptions> options, VectorIndexMetrics metrics, FaissFaultReports faults, TimeProvider time, ILogger<SimilarityIndex> logger, IVectorChangeLog? changeLog = null)
    {
        _log = changeLog;
        _faults = faults;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        Spec = new FaissIndexSpec(
            _options.Kind switch { "hnsw" => FaissKind.Hnsw, "ivf" => FaissKind.Ivf, _ => FaissKind.Flat },
            _options.HnswM, _options.HnswEfConstruction, _options.HnswEfSearch, _options.IvfNlist, _options.IvfNprobe);
        metrics.Observe(() => _faiss is { } faiss ? (faiss.Size, _time.GetElapsedTime(faiss.BuiltAtTimestamp).TotalSeconds) : (0, 0));
    }

    public ExactVectorIndex Exact { get; } = new();

    public FaissIndexSpec Spec { get; }

    public bool UsesFaiss => _options.UsesFaiss;

    public bool FaissServing => _faiss is not null;

    public FaissVectorIndex? Faiss => _faiss;

    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>True when the index holds writes that no saved file reflects.</summary>
    public bool Dirty => _faiss is not null && Interlocked.Read(ref _savedGeneration) != Generation;

    /// <summary>Loads one stored vector at start, before any request (no FAISS yet, no locking needed beyond the shard's).</summary>
    public void Load(StoredVector stored) => Exact.Add(IndexedVector.From(stored), VectorMath.Normalize(stored.Vector.Values));

    public void SetGeneration(long generation)
    {
        Interlocked.Exchange(ref _generation, generation);
        Signal();
    }

    /// <summary>
    /// A write this process made, after its commit. The fast path applies it directly when it is
    /// the next generation; otherwise other processes wrote in between (or a follower already
    /// applied it), and the log brings the index there in order (<see cref="CatchUp"/>).
    /// </summary>
    public void Apply(VectorWrite write)
    {
        if (!ApplyNext(write.Generation, () => ApplyWriteLocked(write)))
        {
            CatchUp(write.Generation);
        }
    }

    public void Remove(VectorRemoval removal)
    {
        if (!ApplyNext(removal.Generation, () => ApplyRemovalLocked(removal.Seq, removal.Version, removal.Generation)))
        {
            CatchUp(removal.Generation);
        }
    }

    /// <summary>Runs <paramref name="apply"/> under the write lock if <paramref name="generation"/> is next; true when it is (or already applied).</summary>
    private bool ApplyNext(long generation, Action apply)
    {
        lock (_writeSync)
        {
            // Without a log (a lone index in unit tests) there is nothing to catch up from: apply as given.
            if (_log is not null && generation != Generation + 1)
            {
                return generation <= Generation;
            }

            apply();
        }

        Signal();
        return true;
    }

    private void ApplyWriteLocked(VectorWrite write)
    {
        var vector = IndexedVector.From(write.Vector);
        var normalized = VectorMath.Normalize(vector.Values);
        if (write.ReplacedSeq is { } replaced)
        {
            RemoveLocked(replaced, write.ReplacedVersion ?? vector.Version);
        }

        // Idempotent: a row loaded at start may also be a change after the generation read then.
        if (Exact.Find(vector.Version)?.TryDescribe(vector.Seq, out _, out _) != true)
        {
            Exact.Add(vector, normalized);
            OnFaiss(f => f.GetOrCreate(vector.Version).Add(vector.Seq, normalized), "add");
            _pending?.Add(new PendingWrite(vector.Version, vector.Seq, normalized));
        }

        ObserveMigrationLocked(write.ReplacedSeq, write.ReplacedVersion ?? vector.Version, vector, normalized);
        Interlocked.Exchange(ref _generation, write.Generation);
    }

    private void ApplyRemovalLocked(long seq, FeatureVersion version, long generation)
    {
        RemoveLocked(seq, version);
        ObserveMigrationLocked(seq, version, null, null);
        Interlocked.Exchange(ref _generation, generation);
    }

    public VectorSearchOutcome Search(VectorSearchRequest request)
    {
        var started = _time.GetTimestamp();
        var query = VectorMath.Normalize(request.Query);
        var faiss = _faiss;
        var shard = faiss?.Find(request.Version);
        if (shard is { Ready: true })
        {
            try
            {
                if (SearchFaiss(shard, request, query) is { } hits)
                {
                    _metrics.Queried(FaissBackend, _time.GetElapsedTime(started));
                    return new VectorSearchOutcome(FaissBackend, hits);
                }
            }
            catch (FaissException exception)
            {
                Fault(faiss!, "search", exception);
            }
            catch (ObjectDisposedException)
            {
                // A rebuild or degradation swapped the index out mid-search; exact answers this one.
            }
        }

        var exact = Exact.Search(request, query);
        _metrics.Queried(ExactBackend, _time.GetElapsedTime(started));
        return new VectorSearchOutcome(ExactBackend, exact);
    }

    public VectorIndexFacts Facts()
    {
        var faiss = _faiss;
        var versions = new SortedDictionary<string, VersionIndexFacts>(StringComparer.Ordinal);
        foreach (var (version, shard) in Exact.Shards)
        {
            var faissShard = faiss?.Find(version);
            versions[version.Name()] = faissShard is { Ready: true }
                ? new VersionIndexFacts(version.Dimension(), faissShard.Live, faissShard.Tombstones, FaissBackend)
                : new VersionIndexFacts(version.Dimension(), shard.Count, 0, ExactBackend);
        }

        return new VectorIndexFacts(
            faiss is null ? ExactBackend : FaissBackend,
            UsesFaiss ? Spec.Name : ExactBackend,
            faiss?.Size ?? Exact.Count,
            Generation,
            versions);
    }

    /// <summary>
    /// Builds FAISS shards for <paramref name="versions"/> (all when null) from the exact index
    /// without blocking searches or writes, replays the writes that arrived meanwhile, and swaps
    /// them in. With <paramref name="native"/> given, a whole new FAISS index replaces (or
    /// attaches in place of) the current one; otherwise the shards are replaced in the current
    /// one, or dropped if FAISS was detached (degraded) while they were building.
    /// </summary>
    public async Task RebuildAsync(
        FaissNative? native,
        IReadOnlyCollection<FeatureVersion>? versions,
        CancellationToken cancellationToken,
        bool yieldToDegradation = false)
    {
        await _rebuildGate.WaitAsync(cancellationToken);
        var started = _time.GetTimestamp();
        try
        {
            var target = native ?? _faiss?.Native ?? throw new InvalidOperationException("No FAISS library to rebuild with.");
            List<(FeatureVersion Version, float[] Vectors, long[] Seqs)> snapshots;
            lock (_writeSync)
            {
                snapshots = [.. Exact.Shards
                    .Where(s => versions is null || versions.Contains(s.Version))
                    .Select(s => { var (v, q) = s.Shard.Snapshot(); return (s.Version, v, q); })];
                _pending = [];
            }

            List<FaissShard> built = [];
            try
            {
                await Task.Run(() =>
                {
                    foreach (var (version, vectors, seqs) in snapshots)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        built.Add(FaissVectorIndex.Build(target, Spec, version, vectors, seqs));
                    }
                }, cancellationToken);

                lock (_writeSync)
                {
                    foreach (var write in _pending!)
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
                    if ((native is null && _faiss is null) || (native is not null && yieldToDegradation && _heldBack))
                    {
                        // Finished after FAISS was detached for a degradation: attaching it would
                        // serve FAISS behind the tracker's back; recovery attaches its own build.
                        built.ForEach(s => s.Dispose());
                        built.Clear();
                    }
                    else if (native is not null)
                    {
                        var fresh = new FaissVectorIndex(target, Spec, _time.GetTimestamp());
                        built.ForEach(fresh.Replace);
                        var old = _faiss;
                        _faiss = fresh;
                        _heldBack = false;
                        old?.Dispose();
                    }
                    else
                    {
                        built.ForEach(_faiss!.Replace);
                        _faiss.BuiltAtTimestamp = _time.GetTimestamp();
                    }

                    Interlocked.Exchange(ref _savedGeneration, -1);
                }
            }
            catch
            {
                lock (_writeSync)
                {
                    _pending = null;
                }

                built.ForEach(s => s.Dispose());
                throw;
            }

            var elapsed = _time.GetElapsedTime(started);
            _metrics.Rebuilt("ok", elapsed);
            LogRebuilt(Spec.Name, snapshots.Sum(s => (long)s.Seqs.Length), elapsed.TotalMilliseconds);
        }
        catch (Exception exception) when (exception is FaissException or OutOfMemoryException)
        {
            _metrics.Rebuilt("error", _time.GetElapsedTime(started));
            throw;
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    /// <summary>Attaches an index loaded from disk (generation already verified); false when it yielded to a degradation.</summary>
    public bool Attach(FaissVectorIndex loaded, bool yieldToDegradation = false)
    {
        lock (_writeSync)
        {
            if (yieldToDegradation && _heldBack)
            {
                loaded.Dispose();
                return false;
            }

            var old = _faiss;
            _faiss = loaded;
            _heldBack = false;
            old?.Dispose();
            Interlocked.Exchange(ref _savedGeneration, Generation);
            return true;
        }
    }

    /// <summary>Stops serving from FAISS (degradation); exact search answers from now on.</summary>
    public void Detach()
    {
        lock (_writeSync)
        {
            var old = _faiss;
            _faiss = null;
            _heldBack = true;
            old?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="save"/> with writes held back, so the files it writes and the
    /// generation it records describe the same state. Searches are not blocked.
    /// </summary>
    public void Save(Action<FaissVectorIndex, long> save)
    {
        lock (_writeSync)
        {
            // During a migration the live index lags the store on purpose; a file saved now would
            // claim a generation whose writes it does not hold.
            if (_faiss is { } faiss && _migration is null)
            {
                var generation = Generation;
                save(faiss, generation);
                Interlocked.Exchange(ref _savedGeneration, generation);
            }
        }
    }

    public void Dispose()
    {
        // Detached under the write lock first: a host may dispose the container before it stops
        // the services, and a shutdown save must then find no index rather than a disposed one.
        FaissVectorIndex? faiss;
        lock (_writeSync)
        {
            faiss = _faiss;
            _faiss = null;
        }

        faiss?.Dispose();
        Exact.Dispose();
        _rebuildGate.Dispose();
    }

    private List<VectorHit>? SearchFaiss(FaissShard shard, VectorSearchRequest request, float[] query)
    {
        var accept = ExactVectorIndex.Acceptor(request);
        var exactShard = Exact.Find(request.Version);
        if (exactShard is null)
        {
            return [];
        }

        // Over-fetch to make up for tombstones and filtered-out rows. A filter so selective that
        // 16k candidates do not yield k hits is answered exactly instead (null): correct, and
        // cheaper than asking HNSW for a huge k.
        var stored = shard.Stored;
        var fetch = (int)Math.Min(stored, request.K + shard.Tombstones + (accept is null ? 0 : request.K * 3));
        const int MaxFetch = 16_384;
        while (true)
        {
            var hits = new List<VectorHit>(request.K);
            foreach (var (score, seq) in shard.Search(query, Math.Max(fetch, 1)))
            {
                if (exactShard.TryDescribe(seq, out var id, out var tags) && (accept is null || accept(tags, id)))
                {
                    hits.Add(new VectorHit(id, score, tags));
                    if (hits.Count == request.K)
                    {
                        break;
                    }
                }
            }

            if (hits.Count == request.K || fetch >= stored)
            {
                return hits;
            }

            if (fetch >= MaxFetch)
            {
                return null;
            }

            fetch = (int)Math.Min(stored, Math.Min(MaxFetch, (long)fetch * 4));
        }
    }

    private void RemoveLocked(long seq, FeatureVersion version)
    {
        // The serving FAISS index holds what the exact one does: a seq the exact index never had (a
        // change from the log whose row was already gone) must not become an HNSW tombstone. Shards
        // being built (rebuild, migration switch) get every removal: they may hold staged rows.
        if (Exact.Remove(seq, version))
        {
            OnFaiss(f => f.Find(version)?.Remove(seq), "remove");
        }

        _pending?.Add(new PendingWrite(version, seq, null));
    }

    private void OnFaiss(Action<FaissVectorIndex> write, string operation)
    {
        if (_faiss is not { } faiss)
        {
            return;
        }

        try
        {
            write(faiss);
            Interlocked.Exchange(ref _savedGeneration, -1);
        }
        catch (FaissException exception)
        {
            Fault(faiss, operation, exception);
        }
    }

    /// <summary>
    /// FAISS gives no rollback guarantee after a failed call, so the index is dropped, never
    /// repaired in place; the exact index already holds the write, and a rebuild restores FAISS.
    /// </summary>
    private void Fault(FaissVectorIndex faiss, string operation, FaissException exception)
    {
        lock (_writeSync)
        {
            if (!ReferenceEquals(_faiss, faiss))
            {
                return;
            }

            _faiss = null;
            _heldBack = true;
        }

        faiss.Dispose();
        LogFaulted(exception, operation);
        _faults.Report($"faiss_{operation}_failed: {exception.Message}");
    }

    private sealed record PendingWrite(FeatureVersion Version, long Seq, float[]? Vector);

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS {Kind} index built from {Count} stored vectors in {Milliseconds:F0} ms")]
    private partial void LogRebuilt(string kind, long count, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS {Operation} failed; serving exact search until the index is rebuilt")]
    private partial void LogFaulted(Exception exception, string operation);
}
