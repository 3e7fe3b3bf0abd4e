using System.Runtime.InteropServices;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>
/// Owns one native index. SafeHandle guarantees the release runs exactly once, even if a
/// finaliser and Dispose race or the owner forgets, and that a handle in use by a native call
/// is not freed under it (the runtime's ref-counting around P/Invoke arguments does that for
/// DllImport; <see cref="FaissIndex"/> does it with DangerousAddRef for function pointers).
/// </summary>
internal sealed unsafe class FaissIndexHandle : SafeHandle
{
    private readonly FaissNative _native;

    public FaissIndexHandle(FaissNative native, nint handle)
        : base(nint.Zero, ownsHandle: true)
    {
        _native = native;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle() => _native.Free(handle) == 0;
}
