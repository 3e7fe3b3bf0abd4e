using System.Text;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>Index kinds of cadml_faiss.h.</summary>
internal enum FaissKind
{
    Flat = 0,
    Hnsw = 1,
    Ivf = 2,
}

/// <summary>How to create an index: the kind and its parameters (HNSW M/efConstruction/efSearch, IVF nlist/nprobe).</summary>
internal sealed record FaissIndexSpec(
    FaissKind Kind,
    int HnswM = VectorIndexOptions.DefaultHnswM,
    int HnswEfConstruction = VectorIndexOptions.DefaultHnswEfConstruction,
    int HnswEfSearch = VectorIndexOptions.DefaultHnswEfSearch,
    int IvfNlist = VectorIndexOptions.DefaultIvfNlist,
    int IvfNprobe = VectorIndexOptions.DefaultIvfNprobe)
{
    public string Name => Kind.ToString().ToLowerInvariant();

    public (int P1, int P2, int P3) Parameters => Kind switch
    {
        FaissKind.Hnsw => (HnswM, HnswEfConstruction, HnswEfSearch),
        FaissKind.Ivf => (IvfNlist, IvfNprobe, 0),
        _ => (0, 0, 0),
    };
}

/// <summary>
/// One native FAISS index with the shim's thread-safety rules enforced: read-only calls (search,
/// counts, serialisation) share a read lock and run concurrently; mutating calls (train, add,
/// remove, reset, tuning, dispose) take the write lock. Every failure is a <see cref="FaissException"/>.
/// </summary>
internal sealed unsafe class FaissIndex : IDisposable
{
    private const int InnerProduct = 0;

    private readonly FaissNative _native;
    private readonly FaissIndexHandle _handle;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    private FaissIndex(FaissNative native, nint handle, int dimension, FaissKind kind)
    {
        _native = native;
        _handle = new FaissIndexHandle(native, handle);
        Dimension = dimension;
        Kind = kind;
    }

    public int Dimension { get; }

    public FaissKind Kind { get; }

    public bool SupportsRemove => Kind != FaissKind.Hnsw;

    public static FaissIndex Create(FaissNative native, int dimension, FaissIndexSpec spec)
    {
        var (p1, p2, p3) = spec.Parameters;
        nint handle;
        native.Check(native.Create(dimension, (int)spec.Kind, InnerProduct, p1, p2, p3, &handle), "create");
        return new FaissIndex(native, handle, dimension, spec.Kind);
    }

    /// <summary>Loads a file written by <see cref="WriteFile"/>; the caller has verified its checksum first.</summary>
    public static FaissIndex ReadFile(FaissNative native, string path, FaissKind kind)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        nint handle;
        fixed (byte* p = bytes)
        {
            native.Check(native.ReadFile(p, &handle), "read_file");
        }

        int dimension;
        var status = native.Dim(handle, &dimension);
        if (status != 0)
        {
            var failure = new FaissException((FaissStatus)status, "dim", native.LastErrorMessage());
            native.Free(handle);
            throw failure;
        }

        return new FaissIndex(native, handle, dimension, kind);
    }

    public long Count
    {
        get
        {
            using var call = new Call(this, write: false);
            long total;
            _native.Check(_native.NTotal(call.Handle, &total), "ntotal");
            return total;
        }
    }

    public bool IsTrained
    {
        get
        {
            using var call = new Call(this, write: false);
            int trained;
            _native.Check(_native.IsTrained(call.Handle, &trained), "is_trained");
            return trained != 0;
        }
    }

    public void Train(ReadOnlySpan<float> vectors)
    {
        using var call = new Call(this, write: true);
        fixed (float* x = vectors)
        {
            _native.Check(_native.Train(call.Handle, vectors.Length / Dimension, x), "train");
        }
    }

    public void Add(ReadOnlySpan<float> vectors, ReadOnlySpan<long> ids)
    {
        if (ids.Length == 0)
        {
            return;
        }

        if (vectors.Length != ids.Length * Dimension)
        {
            throw new ArgumentException($"{ids.Length} ids need {ids.Length * Dimension} values, got {vectors.Length}.", nameof(vectors));
        }

        using var call = new Call(this, write: true);
        fixed (float* x = vectors)
        fixed (long* i = ids)
        {
            _native.Check(_native.Add(call.Handle, ids.Length, x, i), "add");
        }
    }

    public long Remove(ReadOnlySpan<long> ids)
    {
        using var call = new Call(this, write: true);
        long removed;
        fixed (long* i = ids)
        {
            _native.Check(_native.Remove(call.Handle, ids.Length, i, &removed), "remove");
        }

        return removed;
    }

    /// <summary>Top-k for one query; slots without a neighbour have label -1.</summary>
    public void Search(ReadOnlySpan<float> query, int k, Span<float> distances, Span<long> labels)
    {
        if (query.Length != Dimension || distances.Length < k || labels.Length < k)
        {
            throw new ArgumentException("The query must have the index dimension and the outputs room for k results.");
        }

        using var call = new Call(this, write: false);
        fixed (float* q = query)
        fixed (float* d = distances)
        fixed (long* l = labels)
        {
            _native.Check(_native.Search(call.Handle, 1, q, k, d, l), "search");
        }
    }

    /// <summary>
    /// Top-k for <paramref name="count"/> row-major queries in one native call (FLAT only): from 20
    /// queries on, each stored row is read once for the whole batch (BLAS), not once per query.
    /// </summary>
    public void SearchFlatBatch(ReadOnlySpan<float> queries, int count, int k, Span<float> distances, Span<long> labels)
    {
        if (queries.Length != count * Dimension || distances.Length < count * k || labels.Length < count * k)
        {
            throw new ArgumentException("The queries must have the index dimension and the outputs room for k results each.");
        }

        using var call = new Call(this, write: false);
        fixed (float* q = queries)
        fixed (float* d = distances)
        fixed (long* l = labels)
        {
            _native.Check(_native.SearchFlatBatch(call.Handle, count, q, k, d, l), "search_flat_batch");
        }
    }

    public void SetEfSearch(int efSearch)
    {
        using var call = new Call(this, write: true);
        _native.Check(_native.SetEfSearch(call.Handle, efSearch), "set_ef_search");
    }

    public void SetNprobe(int nprobe)
    {
        using var call = new Call(this, write: true);
        _native.Check(_native.SetNprobe(call.Handle, nprobe), "set_nprobe");
    }

    /// <summary>Writes the index to <paramref name="path"/>; the shim fsyncs it and deletes it on failure.</summary>
    public void WriteFile(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        using var call = new Call(this, write: false);
        fixed (byte* p = bytes)
        {
            _native.Check(_native.WriteFile(call.Handle, p), "write_file");
        }
    }

    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            _handle.Dispose();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// One native call's access: the read or write lock (the shim's thread-safety contract) and a
    /// reference on the handle so a concurrent Dispose cannot free it mid-call.
    /// </summary>
    private ref struct Call
    {
        private readonly FaissIndex _owner;
        private readonly bool _write;
        private bool _added;

        public Call(FaissIndex owner, bool write)
        {
            _owner = owner;
            _write = write;
            if (write)
            {
                owner._lock.EnterWriteLock();
            }
            else
            {
                owner._lock.EnterReadLock();
            }

            try
            {
                owner._handle.DangerousAddRef(ref _added);
            }
            catch
            {
                Exit();
                throw;
            }

            Handle = owner._handle.DangerousGetHandle();
        }

        public nint Handle { get; }

        public void Dispose()
        {
            if (_added)
            {
                _owner._handle.DangerousRelease();
                _added = false;
            }

            Exit();
        }

        private readonly void Exit()
        {
            if (_write)
            {
                _owner._lock.ExitWriteLock();
            }
            else
            {
                _owner._lock.ExitReadLock();
            }
        }
    }
}
