using System.Runtime.InteropServices;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>
/// The entry points of one loaded libcadml_faiss.so (see native/cadml_faiss.h for each one's
/// contract). Bound by hand with <see cref="NativeLibrary"/> and function pointers rather than
/// <c>[LibraryImport]</c>: a DllImport binding is process-wide and permanent once resolved, while
/// the service must be able to probe a library that was missing at start and appears later
/// (recovery without restart), and tests must be able to point one host at a folder without it.
/// A loaded library is never unloaded: index handles may still point into it.
/// </summary>
internal sealed unsafe class FaissNative
{
    public const string FileName = "libcadml_faiss.so";

    private FaissNative(string path, nint library)
    {
        Path = path;
        nint Bind(string name) => NativeLibrary.GetExport(library, name);

        LastError = Bind("cadml_faiss_last_error");
        VersionFn = Bind("cadml_faiss_version");
        SetOmpThreads = (delegate* unmanaged<int, int>)Bind("cadml_faiss_set_omp_threads");
        Create = (delegate* unmanaged<int, int, int, int, int, int, nint*, int>)Bind("cadml_faiss_create");
        Free = (delegate* unmanaged<nint, int>)Bind("cadml_faiss_free");
        IsTrained = (delegate* unmanaged<nint, int*, int>)Bind("cadml_faiss_is_trained");
        Train = (delegate* unmanaged<nint, long, float*, int>)Bind("cadml_faiss_train");
        Add = (delegate* unmanaged<nint, long, float*, long*, int>)Bind("cadml_faiss_add");
        SupportsRemove = (delegate* unmanaged<nint, int>)Bind("cadml_faiss_supports_remove");
        Remove = (delegate* unmanaged<nint, long, long*, long*, int>)Bind("cadml_faiss_remove");
        Search = (delegate* unmanaged<nint, long, float*, int, float*, long*, int>)Bind("cadml_faiss_search");
        SearchFlatBatch = (delegate* unmanaged<nint, long, float*, int, float*, long*, int>)Bind("cadml_faiss_search_flat_batch");
        Reset = (delegate* unmanaged<nint, int>)Bind("cadml_faiss_reset");
        NTotal = (delegate* unmanaged<nint, long*, int>)Bind("cadml_faiss_ntotal");
        Dim = (delegate* unmanaged<nint, int*, int>)Bind("cadml_faiss_dim");
        SetEfSearch = (delegate* unmanaged<nint, int, int>)Bind("cadml_faiss_set_ef_search");
        SetNprobe = (delegate* unmanaged<nint, int, int>)Bind("cadml_faiss_set_nprobe");
        Serialize = (delegate* unmanaged<nint, byte**, nuint*, int>)Bind("cadml_faiss_serialize");
        FreeBuffer = (delegate* unmanaged<byte*, int>)Bind("cadml_faiss_free_buffer");
        Deserialize = (delegate* unmanaged<byte*, nuint, nint*, int>)Bind("cadml_faiss_deserialize");
        WriteFile = (delegate* unmanaged<nint, byte*, int>)Bind("cadml_faiss_write_file");
        ReadFile = (delegate* unmanaged<byte*, nint*, int>)Bind("cadml_faiss_read_file");
        Version = Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)VersionFn)()) ?? "unknown";
    }

    public string Path { get; }

    /// <summary>Shim, FAISS and BLAS versions as the loaded library reports them.</summary>
    public string Version { get; }

    private nint LastError { get; }

    private nint VersionFn { get; }

    public delegate* unmanaged<int, int> SetOmpThreads { get; }

    public delegate* unmanaged<int, int, int, int, int, int, nint*, int> Create { get; }

    public delegate* unmanaged<nint, int> Free { get; }

    public delegate* unmanaged<nint, int*, int> IsTrained { get; }

    public delegate* unmanaged<nint, long, float*, int> Train { get; }

    public delegate* unmanaged<nint, long, float*, long*, int> Add { get; }

    public delegate* unmanaged<nint, int> SupportsRemove { get; }

    public delegate* unmanaged<nint, long, long*, long*, int> Remove { get; }

    public delegate* unmanaged<nint, long, float*, int, float*, long*, int> Search { get; }

    public delegate* unmanaged<nint, long, float*, int, float*, long*, int> SearchFlatBatch { get; }

    public delegate* unmanaged<nint, int> Reset { get; }

    public delegate* unmanaged<nint, long*, int> NTotal { get; }

    public delegate* unmanaged<nint, int*, int> Dim { get; }

    public delegate* unmanaged<nint, int, int> SetEfSearch { get; }

    public delegate* unmanaged<nint, int, int> SetNprobe { get; }

    public delegate* unmanaged<nint, byte**, nuint*, int> Serialize { get; }

    public delegate* unmanaged<byte*, int> FreeBuffer { get; }

    public delegate* unmanaged<byte*, nuint, nint*, int> Deserialize { get; }

    public delegate* unmanaged<nint, byte*, int> WriteFile { get; }

    public delegate* unmanaged<byte*, nint*, int> ReadFile { get; }

    /// <summary>Loads the library at <paramref name="path"/>; on failure says why, never throws.</summary>
    public static FaissNative? TryLoad(string path, out string? error)
    {
        if (!File.Exists(path))
        {
            error = $"{FileName} not found at {path}";
            return null;
        }

        if (!NativeLibrary.TryLoad(path, out var library))
        {
            error = $"{path} exists but could not be loaded (missing BLAS/OpenMP runtime or wrong architecture)";
            return null;
        }

        try
        {
            var native = new FaissNative(path, library);
            error = null;
            return native;
        }
        catch (EntryPointNotFoundException exception)
        {
            error = $"{path} is not a compatible cadml_faiss build: {exception.Message}";
            return null;
        }
    }

    /// <summary>
    /// OpenMP threads for every later call, process-wide. The service keeps the shim's default of 1
    /// (single queries, and background rebuilds leave the other core to requests); bulk tools
    /// such as the benchmarks raise it for builds.
    /// </summary>
    public void SetThreads(int threads) => Check(SetOmpThreads(threads), "set_omp_threads");

    /// <summary>The failure text of the last call on this thread; read right after a non-zero status.</summary>
    public string LastErrorMessage() => Marshal.PtrToStringUTF8(((delegate* unmanaged<nint>)LastError)()) ?? "";

    /// <summary>Turns a status into an exception carrying the native message (exceptions here are faults, see <see cref="FaissException"/>).</summary>
    public void Check(int status, string operation)
    {
        if (status != 0)
        {
            throw new FaissException((FaissStatus)status, operation, LastErrorMessage());
        }
    }
}

/// <summary>Status codes of cadml_faiss.h, one to one.</summary>
internal enum FaissStatus
{
    Ok = 0,
    Error = 1,
    NotSupported = 2,
    InvalidArgument = 3,
    OutOfMemory = 4,
    NotTrained = 5,
}

/// <summary>
/// A failed native call. FAISS failing is a fault of the index, not an expected outcome of a
/// request: the index coordinator catches it, degrades to exact search and rebuilds, so no
/// request sees it.
/// </summary>
internal sealed class FaissException : Exception
{
    public FaissException(FaissStatus status, string operation, string detail)
        : base($"FAISS {operation} failed ({status}): {detail}")
    {
        Status = status;
    }

    public FaissException()
    {
    }

    public FaissException(string message)
        : base(message)
    {
    }

    public FaissException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FaissStatus Status { get; }
}
