using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Brings FAISS into service: probe and load the shim, then either load the saved index (only
/// when it is verified current) or build one from the stored vectors, attach it and save it.
/// Used at start and by every recovery attempt; it never throws for FAISS trouble, it says why.
/// </summary>
internal sealed partial class FaissActivator(
    SimilarityIndex index,
    FaissIndexFiles files,
    IFaissLibrary library,
    VectorIndexMetrics metrics,
    TimeProvider time,
    ILogger<FaissActivator> logger)
{
    /// <summary>
    /// Null when FAISS now serves (or, with <paramref name="yieldToDegradation"/>, when a
    /// degradation recorded meanwhile took precedence); otherwise the reason it does not.
    /// </summary>
    public async Task<string?> ActivateAsync(bool trySaved, CancellationToken cancellationToken, bool yieldToDegradation = false)
    {
        var native = library.TryLoad(out var error);
        if (native is null)
        {
            return $"faiss_library_unavailable: {error}";
        }

        if (trySaved)
        {
            var (loaded, status, detail) = files.TryLoad(native, index.Spec, index.Generation, time.GetTimestamp());
            metrics.Imported(status);
            if (loaded is not null)
            {
                if (index.Attach(loaded, yieldToDegradation))
                {
                    LogLoaded(detail);
                }

                return null;
            }

            LogNotLoaded(status, detail);
        }

        try
        {
            await index.RebuildAsync(native, null, cancellationToken, yieldToDegradation);
        }
        catch (FaissException exception)
        {
            return $"faiss_index_build_failed: {exception.Message}";
        }
        catch (OutOfMemoryException exception)
        {
            return $"faiss_index_build_failed: {exception.Message}";
        }

        TrySave();
        return null;
    }

    public void TrySave()
    {
        try
        {
            index.Save(files.Save);
            metrics.Exported("ok");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FaissException)
        {
            metrics.Exported("error");
            LogSaveFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS index loaded from the data folder: {Detail}")]
    private partial void LogLoaded(string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved FAISS index not used ({Status}: {Detail}); rebuilding from the durable store")]
    private partial void LogNotLoaded(string status, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Saving the FAISS index failed; it will be rebuilt from the store at next start")]
    private partial void LogSaveFailed(Exception exception);
}
