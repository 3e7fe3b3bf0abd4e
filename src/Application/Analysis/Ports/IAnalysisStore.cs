using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;

namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// The durable record of analyses: the source of truth. <see cref="SaveAsync"/> returns only
/// after the record is on disk, so a 2xx built on it survives a crash.
/// </summary>
public interface IAnalysisStore
{
    /// <summary>
    /// Stores the analysis and its vector (id = the analysis id) in ONE transaction, so a crash
    /// leaves both or neither. Ordered like <see cref="Vectors.Ports.IVectorStore"/> writes, with
    /// <paramref name="applied"/> run after the commit, in call order, before the task completes.
    /// A <paramref name="claim"/> is inserted in the same transaction (resource = the analysis id); when
    /// an unexpired row holds its key the whole write fails with <see cref="IdempotencyKeyTakenException"/>.
    /// </summary>
    Task<VectorWrite> SaveAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> vectorMeta, Action<VectorWrite> applied, IdempotencyClaim? claim = null);

    Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Distinct files (by content hash), most recently analysed first.</summary>
    Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Distinct files (by content hash), most often analysed first; ties go to the more recent.</summary>
    Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>A stored document and the hash of the file it came from.</summary>
public sealed record StoredDocument(string Sha256, CadMl.Domain.Cad.CadDocument Document);
