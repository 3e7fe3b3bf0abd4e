using CadMl.Application.Common.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Brings FAISS into service: probe and load the shim, then either load the saved index (when it
/// verifies) and replay the change log after its generation, or build one from the stored
/// vectors, attach it and save it. Used at start and by every recovery attempt; it never throws
/// for FAISS trouble, it says why. A save declares the snapshot's generation as the part of the
/// change log it still needs and trims the log below it.
/// </summary>
internal sealed partial class FaissActivator(
    SimilarityIndex index,
    FaissIndexFiles files,
    IFaissLibrary library,
    IVectorChangeLog changeLog,
    VectorChangeRetention retention,
    VectorIndexMetrics metrics,
    TimeProvider time,
    ILogger<FaissActivator> logger)
{
    /// <summary>
    /// Null when FAISS now serves (or, with <paramref name="yieldTo"/> given, when a degradation
    /// started a later epoch meanwhile and took precedence); otherwise the reason it does not.
    /// </summary>
    public async Task<string?> ActivateAsync(bool trySaved, CancellationToken cancellationToken, long? yieldTo = null)
    {
        var native = library.TryLoad(out var error);
        if (native is null)
        {
            return $"faiss_library_unavailable: {error}";
        }

        if (trySaved)
        {
            var (loaded, saved, status, detail) = files.TryLoad(native, index.Spec, index.Generation, time.GetTimestamp());
            if (loaded is not null)
            {
                var replay = index.AttachReplayed(loaded, saved, yieldTo);
                (status, detail) = replay.Result switch
                {
                    ReplayResult.Attached or ReplayResult.Yielded => (status, $"{detail}; {replay.Detail}"),
                    ReplayResult.LogIncomplete => ("stale", $"saved at generation {saved}, store at {index.Generation}: {replay.Detail}"),
                    _ => ("corrupt", $"replaying the change log failed: {replay.Detail}"),
                };
                if (replay.Result is ReplayResult.Attached or ReplayResult.Yielded)
                {
                    metrics.Imported(status);
                    retention.Hold(SnapshotHolder, saved);
                    LogLoaded(detail);
                    return null;
                }
            }

            metrics.Imported(status);
            LogNotLoaded(status, detail);
        }

        try
        {
            await index.RebuildAsync(native, null, cancellationToken, yieldTo);
        }
        catch (FaissException exception)
        {
            return $"faiss_index_build_failed: {exception.Message}";
        }
        catch (Exception exception) when (exception is OutOfMemoryException or InvalidOperationException)
        {
            // Out of memory, or the log could not bring the built index to the applied generation.
            return $"faiss_index_build_failed: {exception.Message}";
        }

        TrySave();
        return null;
    }

    public void TrySave()
    {
        long? saved = null;
        try
        {
            index.Save((faiss, generation) =>
            {
                files.Save(faiss, generation);
                saved = generation;
            });
            metrics.Exported("ok");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FaissException)
        {
            metrics.Exported("error");
            LogSaveFailed(exception);
        }

        if (saved is { } generation)
        {
            retention.Hold(SnapshotHolder, generation);
            Trim();
        }
    }

    /// <summary>
    /// Exact mode: the in-memory index is filled from the store at every start and never saved,
    /// so it needs the log through nothing older than the generation it already reflects.
    /// </summary>
    public void TrimWithoutSnapshot()
    {
        retention.Hold(ExactHolder, index.Generation);
        Trim();
    }

    /// <summary>
    /// Drops the log entries every holder has moved past; outside the index's write lock, as the
    /// delete takes the store's write lock. A failure only leaves the log longer until the next save.
    /// </summary>
    private void Trim()
    {
        if (retention.TrimmableThrough is not { } through)
        {
            return;
        }

        try
        {
            LogTrimmed(changeLog.TrimThrough(through), through);
        }
        catch (Exception exception) when (exception is SqliteException or InvalidOperationException or StoreUnavailableException)
        {
            // A store refused or damaged since the save: the log stays as it is, nothing is lost.
            LogTrimFailed(exception);
        }
    }

    /// <summary>The saved snapshot's name among the change log's holders.</summary>
    private const string SnapshotHolder = "snapshot";

    /// <summary>The exact-only index's name among the change log's holders.</summary>
    private const string ExactHolder = "exact";

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS index loaded from the data folder: {Detail}")]
    private partial void LogLoaded(string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved FAISS index not used ({Status}: {Detail}); rebuilding from the durable store")]
    private partial void LogNotLoaded(string status, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Trimmed {Count} change-log entries through generation {Generation}")]
    private partial void LogTrimmed(long count, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trimming the change log failed; it is retried after the next save")]
    private partial void LogTrimFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Saving the FAISS index failed; it will be rebuilt from the store at next start")]
    private partial void LogSaveFailed(Exception exception);
}
