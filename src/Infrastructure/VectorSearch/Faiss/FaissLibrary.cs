using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>Finds and loads the FAISS shim. Every call probes again until a load succeeds.</summary>
internal interface IFaissLibrary
{
    FaissNative? TryLoad(out string? error);
}

/// <summary>
/// Looks in <c>CADML_NATIVE_DIR</c> when set (only there: an operator who names a folder means
/// it), otherwise in <c>artifacts/native</c> of the nearest ancestor of the binaries (a repo
/// checkout, where build/native puts it). Only successes are remembered, per path: a library that
/// was missing at start is found by the next probe once it appears, so recovery needs no restart.
/// </summary>
internal sealed class FaissLibrary(IOptions<VectorIndexOptions> options) : IFaissLibrary
{
    private static readonly ConcurrentDictionary<string, FaissNative> Loaded = new(StringComparer.Ordinal);

    public FaissNative? TryLoad(out string? error)
    {
        var path = Resolve();
        if (path is null)
        {
            error = $"{FaissNative.FileName} not found: CADML_NATIVE_DIR is not set and no artifacts/native above {AppContext.BaseDirectory} has it (run build/native)";
            return null;
        }

        if (Loaded.TryGetValue(path, out var native))
        {
            error = null;
            return native;
        }

        native = FaissNative.TryLoad(path, out error);
        return native is null ? null : Loaded.GetOrAdd(path, native);
    }

    private string? Resolve()
    {
        var configured = options.Value.NativeDir;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.Combine(Path.GetFullPath(configured), FaissNative.FileName);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "artifacts", "native", FaissNative.FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
