namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// The durable record of analyses: the source of truth. <see cref="SaveAsync"/> returns only
/// after the record is on disk, so a 2xx built on it survives a crash.
/// </summary>
public interface IAnalysisStore
{
    Task SaveAsync(AnalysisRecord record, CancellationToken cancellationToken);

    Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken);
}
