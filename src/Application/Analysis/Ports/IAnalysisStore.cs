namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// The durable record of analyses: the source of truth. <see cref="SaveAsync"/> returns only
/// after the record is on disk, so a 2xx built on it survives a crash.
/// </summary>
public interface IAnalysisStore
{
    Task SaveAsync(AnalysisRecord record, CancellationToken cancellationToken);

    Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Distinct files (by content hash), most recently analysed first.</summary>
    Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Distinct files (by content hash), most often analysed first; ties go to the more recent.</summary>
    Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>A stored document and the hash of the file it came from.</summary>
public sealed record StoredDocument(string Sha256, CadMl.Domain.Cad.CadDocument Document);
