using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch.Exact;
using CadMl.Infrastructure.VectorSearch.Faiss;
using CadMl.Infrastructure.VectorSearch.Recovery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// What readers see of the index: the FAISS index serving (null: exact search answers
/// everything), the generation applied, the degradation epoch and the generation the saved file
/// reflects. Replaced as a whole under the owner's lock; readers take it with one atomic read.
/// </summary>
internal sealed record IndexSnapshot(FaissVectorIndex? Faiss, long Applied, long Epoch, long Saved)
{
    public string Backend => Faiss is null ? SimilarityIndex.ExactBackend : SimilarityIndex.FaissBackend;

    /// <summary>True when FAISS holds changes that no saved file reflects.</summary>
    public bool Dirty => Faiss is not null && Saved != Applied;
}

/// <summary>
/// The <see cref="IVectorIndex"/> the Application sees, and the one owner of the index: every
/// mutation (a write after its commit, the follower's catch-up, start-up replay, rebuilds,
/// recovery, degradation, migration switches, saves) runs under its one lock, in generation
/// order, and ends by publishing an <see cref="IndexSnapshot"/>. Search, facts and metrics read
/// only the snapshot. The exact index is complete at all times; FAISS (unless the configuration
/// says <c>exact</c>) serves on top of it. A FAISS failure (a throwing search or write) publishes
/// a snapshot without FAISS and reports the fault (<see cref="FaissFaultReports"/>); the same
/// request is answered by exact search, so callers never see it.
/// </summary>
/// <remarks>
/// A replaced FAISS index is disposed right after the swap: <see cref="FaissIndex"/> already makes
/// that safe for searches still using it (each native call holds its read lock and a reference on
/// the handle, Dispose takes the write lock, and a call that starts later throws
/// <see cref="ObjectDisposedException"/>, which <see cref="Search"/> answers from exact).
/// </remarks>
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

    /// <summary>The owner's one lock: held by every mutation, never by a reader.</summary>
    private readonly Lock _sync = new();

    /// <summary>Written only under <see cref="_sync"/>; read anywhere with one <c>Volatile.Read</c> (<see cref="Current"/>).</summary>
    private IndexSnapshot _snapshot = new(null, 0, 0, -1);

    /// <param name="changeLog">The store's change log, read to catch up with changes this process did not apply itself and to bring a built index forward (null in unit tests of a lone index).</param>
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
        metrics.Observe(() => Current.Faiss is { } faiss ? (faiss.Size, _time.GetElapsedTime(faiss.BuiltAtTimestamp).TotalSeconds) : (0, 0));
    }

    public ExactVectorIndex Exact { get; } = new();

    public FaissIndexSpec Spec { get; }

    public bool UsesFaiss => _options.UsesFaiss;

    public IndexSnapshot Current => Volatile.Read(ref _snapshot);

    public bool FaissServing => Current.Faiss is not null;

    public FaissVectorIndex? Faiss => Current.Faiss;

    public long Generation => Current.Applied;

    /// <summary>Bumped by every degradation; a warm-up build started under an older epoch does not attach.</summary>
    public long Epoch => Current.Epoch;

    /// <summary>True when the index holds writes that no saved file reflects.</summary>
    public bool Dirty => Current.Dirty;

    /// <summary>Loads one stored vector at start, before any request (no FAISS yet, no locking needed beyond the shard's).</summary>
    public void Load(StoredVector stored) => Exact.Add(IndexedVector.From(stored), VectorMath.Normalize(stored.Vector.Values));

    public void SetGeneration(long generation)
    {
        lock (_sync)
        {
            AdvanceLocked(generation);
        }

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

    /// <summary>Runs <paramref name="apply"/> under the lock if <paramref name="generation"/> is next; true when it is (or already applied).</summary>
    private bool ApplyNext(long generation, Action apply)
    {
        lock (_sync)
        {
            // Without a log (a lone index in unit tests) there is nothing to catch up from: apply as given.
            if (_log is not null && generation != _snapshot.Applied + 1)
            {
                return generation <= _snapshot.Applied;
            }

            apply();
        }

        Signal();
        return true;
    }

    /// <summary>Publishes the applied generation; caller holds <see cref="_sync"/>.</summary>
    private void AdvanceLocked(long generation) => PublishLocked(_snapshot with { Applied = generation });

    private void PublishLocked(IndexSnapshot next) => Volatile.Write(ref _snapshot, next);

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
        }

        ObserveMigrationLocked(write.ReplacedSeq, write.ReplacedVersion ?? vector.Version, vector, normalized);
        AdvanceLocked(write.Generation);
    }

    private void ApplyRemovalLocked(long seq, FeatureVersion version, long generation)
    {
        RemoveLocked(seq, version);
        ObserveMigrationLocked(seq, version, null, null);
        AdvanceLocked(generation);
    }

    public VectorSearchOutcome Search(VectorSearchRequest request)
    {
        var started = _time.GetTimestamp();
        var query = VectorMath.Normalize(request.Query);
        var faiss = Current.Faiss;
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
        var snapshot = Current;
        var versions = new SortedDictionary<string, VersionIndexFacts>(StringComparer.Ordinal);
        foreach (var (version, shard) in Exact.Shards)
        {
            var faissShard = snapshot.Faiss?.Find(version);
            versions[version.Name()] = faissShard is { Ready: true }
                ? new VersionIndexFacts(version.Dimension(), faissShard.Live, faissShard.Tombstones, FaissBackend)
                : new VersionIndexFacts(version.Dimension(), shard.Count, 0, ExactBackend);
        }

        return new VectorIndexFacts(
            snapshot.Backend,
            UsesFaiss ? Spec.Name : ExactBackend,
            snapshot.Faiss?.Size ?? Exact.Count,
            snapshot.Applied,
            versions);
    }

    /// <summary>Stops serving from FAISS (degradation): publishes an exact-only snapshot under a new epoch.</summary>
    public void Detach()
    {
        FaissVectorIndex? old;
        lock (_sync)
        {
            old = _snapshot.Faiss;
            PublishLocked(_snapshot with { Faiss = null, Epoch = _snapshot.Epoch + 1 });
        }

        old?.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="save"/> with writes held back, so the files it writes and the
    /// generation it records describe the same state. Searches are not blocked.
    /// </summary>
    public void Save(Action<FaissVectorIndex, long> save)
    {
        lock (_sync)
        {
            // During a migration the live index lags the store on purpose; a file saved now would
            // claim a generation whose writes it does not hold.
            if (_snapshot.Faiss is { } faiss && _migration is null)
            {
                var generation = _snapshot.Applied;
                save(faiss, generation);
                PublishLocked(_snapshot with { Saved = generation });
            }
        }
    }

    public void Dispose()
    {
        // Detached under the lock first: a host may dispose the container before it stops the
        // services, and a shutdown save must then find no index rather than a disposed one.
        FaissVectorIndex? faiss;
        lock (_sync)
        {
            faiss = _snapshot.Faiss;
            PublishLocked(_snapshot with { Faiss = null });
        }

        faiss?.Dispose();
        Exact.Dispose();
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
        // change from the log whose row was already gone) must not become an HNSW tombstone.
        if (Exact.Remove(seq, version))
        {
            OnFaiss(f => f.Find(version)?.Remove(seq), "remove");
        }
    }

    private void OnFaiss(Action<FaissVectorIndex> write, string operation)
    {
        if (_snapshot.Faiss is not { } faiss)
        {
            return;
        }

        try
        {
            write(faiss);
        }
        catch (FaissException exception)
        {
            Fault(faiss, operation, exception);
        }
    }

    /// <summary>
    /// FAISS gives no rollback guarantee after a failed call, so the index is dropped, never
    /// repaired in place; the exact index already holds the write, and a rebuild restores FAISS.
    /// A fault is a degradation: it starts a new epoch, so no warm-up build attaches behind it.
    /// </summary>
    private void Fault(FaissVectorIndex faiss, string operation, FaissException exception)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(_snapshot.Faiss, faiss))
            {
                return;
            }

            PublishLocked(_snapshot with { Faiss = null, Epoch = _snapshot.Epoch + 1 });
        }

        faiss.Dispose();
        LogFaulted(exception, operation);
        _faults.Report($"faiss_{operation}_failed: {exception.Message}");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "FAISS {Operation} failed; serving exact search until the index is rebuilt")]
    private partial void LogFaulted(Exception exception, string operation);
}
