using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;

namespace CadMl.Infrastructure.Storage;

/// <summary>Analyses in the SQLite store: the analysis row and its vector in one transaction of the group-commit writer.</summary>
internal sealed class SqliteAnalysisStore(SqliteDatabase database, SqliteWriter writer) : IAnalysisStore
{
    public Task<VectorWrite> SaveAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> vectorMeta, Action<VectorWrite> applied, IdempotencyClaim? claim = null)
    {
        var columns = AnalysisRows.Serialize(record);
        return writer.WriteAsync((connection, transaction) =>
        {
            // The key first: a taken key fails the write before anything of it is written.
            if (claim is not null)
            {
                IdempotencyStore.Claim(connection, transaction, claim, record.Id);
            }

            AnalysisRows.Insert(connection, transaction, record, columns);
            return SqliteVectorStore.Upsert(connection, transaction, record.Id, record.Features, vectorMeta, record.CreatedAt);
        }, applied);
    }

    public async Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await AnalysisRows.FindAsync(connection, id, cancellationToken);
    }

    public Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync(frequent: false, limit, cancellationToken);

    public Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync(frequent: true, limit, cancellationToken);

    private async Task<IReadOnlyList<StoredDocument>> DocumentsAsync(bool frequent, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await AnalysisRows.DocumentsAsync(connection, "rowid", frequent, limit, cancellationToken);
    }
}
