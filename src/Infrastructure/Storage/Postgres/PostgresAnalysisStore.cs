using System.Globalization;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>Analyses in the PostgreSQL store: the analysis row and its vector in one transaction of the group-commit writer, as on SQLite.</summary>
internal sealed class PostgresAnalysisStore(PostgresDatabase database, PostgresWriter writer) : IAnalysisStore
{
    public Task<VectorWrite> SaveAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> vectorMeta, Action<VectorWrite> applied, IdempotencyClaim? claim = null)
    {
        // Serialised here, on the caller's thread: the writer loop's time is the commit's, shared by everyone waiting.
        var document = CadDocumentJson.Serialize(record.Document);
        var values = JsonSerializer.Serialize(record.Features.Values);
        var timings = JsonSerializer.Serialize(record.Timings, SqliteAnalysisStore.Json);
        var classification = record.Classification is null ? null : JsonSerializer.Serialize(record.Classification, SqliteAnalysisStore.Json);
        return writer.WriteAsync((connection, transaction) =>
        {
            if (claim is not null)
            {
                PostgresIdempotencyStore.Claim(connection, transaction, claim, record.Id);
            }

            using (var command = new NpgsqlCommand("""
                INSERT INTO analyses (id, created_at, created_ts, file_name, format, sha256, size_bytes, material, project_id,
                                      feature_version, vector, document, cache_hit, timings, classification)
                VALUES (@id, @created_at, @created_ts, @file_name, @format, @sha256, @size_bytes, @material, @project_id,
                        @feature_version, @vector, @document, @cache_hit, @timings, @classification);
                """, connection, transaction))
            {
                command.Parameters.AddWithValue("id", record.Id);
                command.Parameters.AddWithValue("created_at", record.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("created_ts", record.CreatedAt.ToUnixTimeMilliseconds() / 1000.0);
                command.Parameters.AddWithValue("file_name", record.FileName);
                command.Parameters.AddWithValue("format", record.Document.Format.Name());
                command.Parameters.AddWithValue("sha256", record.Sha256);
                command.Parameters.AddWithValue("size_bytes", record.SizeBytes);
                command.Parameters.AddNullable("material", NpgsqlDbType.Text, record.Material);
                command.Parameters.AddNullable("project_id", NpgsqlDbType.Text, record.ProjectId);
                command.Parameters.AddWithValue("feature_version", record.Features.Version.Name());
                command.Parameters.AddWithValue("vector", values);
                command.Parameters.AddWithValue("document", document);
                command.Parameters.AddWithValue("cache_hit", record.CacheHit ? 1L : 0L);
                command.Parameters.AddWithValue("timings", timings);
                command.Parameters.AddNullable("classification", NpgsqlDbType.Text, classification);
                command.ExecuteNonQuery();
            }

            return PostgresVectorStore.Upsert(connection, transaction, record.Id, record.Features, vectorMeta, record.CreatedAt);
        }, applied);
    }

    public async Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT id, created_at, file_name, sha256, size_bytes, material, project_id, feature_version, vector, document, cache_hit, timings,
                   classification
            FROM analyses WHERE id = @id;
            """, connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SqliteAnalysisStore.Read(reader) : null;
    }

    public Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync("""
            SELECT a.sha256, a.document FROM analyses a
            JOIN (SELECT sha256, max(ord) AS latest FROM analyses GROUP BY sha256) d ON a.ord = d.latest
            ORDER BY a.created_ts DESC, a.ord DESC LIMIT @limit;
            """, limit, cancellationToken);

    public Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync("""
            SELECT a.sha256, a.document FROM analyses a
            JOIN (SELECT sha256, count(*) AS uses, max(ord) AS latest FROM analyses GROUP BY sha256) d ON a.ord = d.latest
            ORDER BY d.uses DESC, a.created_ts DESC, a.ord DESC LIMIT @limit;
            """, limit, cancellationToken);

    private async Task<IReadOnlyList<StoredDocument>> DocumentsAsync(string sql, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<StoredDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(new StoredDocument(reader.GetString(0), CadDocumentJson.Deserialize(reader.GetString(1))));
        }

        return documents;
    }
}
