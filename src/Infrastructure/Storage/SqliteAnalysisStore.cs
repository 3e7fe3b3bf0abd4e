using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Storage;

internal sealed class SqliteAnalysisStore(SqliteDatabase database, SqliteWriter writer) : IAnalysisStore
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public Task<VectorWrite> SaveAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> vectorMeta, Action<VectorWrite> applied, IdempotencyClaim? claim = null)
    {
        // Serialised here, on the caller's thread: the writer loop's time is the commit's, shared by everyone waiting.
        var document = CadDocumentJson.Serialize(record.Document);
        var values = JsonSerializer.Serialize(record.Features.Values);
        var timings = JsonSerializer.Serialize(record.Timings, Json);
        var classification = record.Classification is null ? null : JsonSerializer.Serialize(record.Classification, Json);
        return writer.WriteAsync((connection, transaction) =>
        {
            // The key first: a taken key fails the write before anything of it is written.
            if (claim is not null)
            {
                SqliteIdempotencyStore.Claim(connection, transaction, claim, record.Id);
            }

            Insert(connection, transaction, record, values, document, timings, classification);
            return SqliteVectorStore.Upsert(connection, transaction, record.Id, record.Features, vectorMeta, record.CreatedAt);
        }, applied);
    }

    private static void Insert(SqliteConnection connection, SqliteTransaction transaction, AnalysisRecord record, string values, string document, string timings, string? classification)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO analyses (id, created_at, created_ts, file_name, format, sha256, size_bytes, material, project_id,
                                  feature_version, vector, document, cache_hit, timings, classification)
            VALUES ($id, $created_at, $created_ts, $file_name, $format, $sha256, $size_bytes, $material, $project_id,
                    $feature_version, $vector, $document, $cache_hit, $timings, $classification);
            """;
        command.Parameters.AddWithValue("$id", record.Id);
        command.Parameters.AddWithValue("$created_at", record.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$created_ts", record.CreatedAt.ToUnixTimeMilliseconds() / 1000.0);
        command.Parameters.AddWithValue("$file_name", record.FileName);
        command.Parameters.AddWithValue("$format", record.Document.Format.Name());
        command.Parameters.AddWithValue("$sha256", record.Sha256);
        command.Parameters.AddWithValue("$size_bytes", record.SizeBytes);
        command.Parameters.AddWithValue("$material", (object?)record.Material ?? DBNull.Value);
        command.Parameters.AddWithValue("$project_id", (object?)record.ProjectId ?? DBNull.Value);
        command.Parameters.AddWithValue("$feature_version", record.Features.Version.Name());
        command.Parameters.AddWithValue("$vector", values);
        command.Parameters.AddWithValue("$document", document);
        command.Parameters.AddWithValue("$cache_hit", record.CacheHit ? 1 : 0);
        command.Parameters.AddWithValue("$timings", timings);
        command.Parameters.AddWithValue("$classification", (object?)classification ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public async Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, created_at, file_name, sha256, size_bytes, material, project_id, feature_version, vector, document, cache_hit, timings,
                   classification
            FROM analyses WHERE id = $id;
            """;
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync("""
            SELECT a.sha256, a.document FROM analyses a
            JOIN (SELECT sha256, max(rowid) AS latest FROM analyses GROUP BY sha256) d ON a.rowid = d.latest
            ORDER BY a.created_ts DESC, a.rowid DESC LIMIT $limit;
            """, limit, cancellationToken);

    public Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync("""
            SELECT a.sha256, a.document FROM analyses a
            JOIN (SELECT sha256, count(*) AS uses, max(rowid) AS latest FROM analyses GROUP BY sha256) d ON a.rowid = d.latest
            ORDER BY d.uses DESC, a.created_ts DESC, a.rowid DESC LIMIT $limit;
            """, limit, cancellationToken);

    private async Task<IReadOnlyList<StoredDocument>> DocumentsAsync(string sql, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<StoredDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(new StoredDocument(reader.GetString(0), CadDocumentJson.Deserialize(reader.GetString(1))));
        }

        return documents;
    }

    /// <summary>A row of <c>analyses</c> as <see cref="FindAsync"/> selects it; the same on every backend.</summary>
    internal static AnalysisRecord Read(DbDataReader row)
    {
        var version = FeatureVersions.Parse(row.GetString(7));
        var values = JsonSerializer.Deserialize<double[]>(row.GetString(8))!;
        var document = CadDocumentJson.Deserialize(row.GetString(9));
        if (!FeatureVector.TryCreate(version, values, out var vector))
        {
            // An analysis an earlier release stored: shown in today's layout when that is exact for
            // its format, otherwise refused with the operator's action (never padded as a guess).
            vector = EarlierLayouts.Upgrade(version, values, document.Format)
                ?? throw (EarlierLayouts.IsEarlier(version, values.Length)
                    ? new EarlierLayoutException(row.GetString(0), version, values.Length, document.Format)
                    : new InvalidDataException($"Stored analysis {row.GetString(0)} has {values.Length} values for {version.Name()}."));
        }

        return new AnalysisRecord(
            row.GetString(0),
            DateTimeOffset.Parse(row.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            row.GetString(2),
            row.GetString(3),
            row.GetInt64(4),
            row.IsDBNull(5) ? null : row.GetString(5),
            row.IsDBNull(6) ? null : row.GetString(6),
            document,
            vector!,
            row.GetInt64(10) != 0,
            JsonSerializer.Deserialize<StageTimings>(row.GetString(11), Json)!,
            row.IsDBNull(12) ? null : JsonSerializer.Deserialize<ClassificationOutcome>(row.GetString(12), Json));
    }
}
