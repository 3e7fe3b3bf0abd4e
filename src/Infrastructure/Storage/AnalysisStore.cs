using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Model.Serving;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Analyses in the durable store, one adapter for both backends (the table and these statements
/// are the same on SQLite and PostgreSQL): the analysis row and its vector in one write of the
/// group-commit writer.
/// </summary>
internal sealed class AnalysisStore(IStoreDatabase database) : IAnalysisStore
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public Task<VectorWrite> SaveAsync(AnalysisRecord record, IReadOnlyDictionary<string, string> vectorMeta, Action<VectorWrite> applied, IdempotencyClaim? claim = null)
    {
        var columns = Serialize(record);
        return database.WriteAsync((connection, transaction) =>
        {
            // The key first: a taken key fails the write before anything of it is written.
            if (claim is not null)
            {
                IdempotencyStore.Claim(connection, transaction, claim, record.Id);
            }

            Insert(connection, transaction, record, columns);
            return database.UpsertVector(connection, transaction, record.Id, record.Features, vectorMeta, record.CreatedAt);
        }, applied);
    }

    public async Task<AnalysisRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, """
            SELECT id, created_at, file_name, sha256, size_bytes, material, project_id, feature_version, vector, document, cache_hit, timings,
                   classification
            FROM analyses WHERE id = @id;
            """,
            ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public Task<IReadOnlyList<StoredDocument>> RecentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync(frequent: false, limit, cancellationToken);

    public Task<IReadOnlyList<StoredDocument>> FrequentDocumentsAsync(int limit, CancellationToken cancellationToken) =>
        DocumentsAsync(frequent: true, limit, cancellationToken);

    /// <summary>
    /// The record's JSON columns. Serialised on the caller's thread, before the write is queued: the
    /// writer loop's time is the commit's, shared by everyone waiting.
    /// </summary>
    private static Serialized Serialize(AnalysisRecord record) => new(
        JsonSerializer.Serialize(record.Features.Values),
        CadDocumentJson.Serialize(record.Document),
        JsonSerializer.Serialize(record.Timings, Json),
        record.Classification is null ? null : JsonSerializer.Serialize(record.Classification, Json));

    private static void Insert(DbConnection connection, DbTransaction transaction, AnalysisRecord record, Serialized columns)
    {
        using var command = StoreCommands.Create(connection, transaction, """
            INSERT INTO analyses (id, created_at, created_ts, file_name, format, sha256, size_bytes, material, project_id,
                                  feature_version, vector, document, cache_hit, timings, classification)
            VALUES (@id, @created_at, @created_ts, @file_name, @format, @sha256, @size_bytes, @material, @project_id,
                    @feature_version, @vector, @document, @cache_hit, @timings, @classification);
            """,
            ("id", record.Id),
            ("created_at", record.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
            ("created_ts", record.CreatedAt.ToUnixTimeMilliseconds() / 1000.0),
            ("file_name", record.FileName),
            ("format", record.Document.Format.Name()),
            ("sha256", record.Sha256),
            ("size_bytes", record.SizeBytes),
            ("material", record.Material),
            ("project_id", record.ProjectId),
            ("feature_version", record.Features.Version.Name()),
            ("vector", columns.Values),
            ("document", columns.Document),
            ("cache_hit", record.CacheHit ? 1L : 0L),
            ("timings", columns.Timings),
            ("classification", columns.Classification));
        command.ExecuteNonQuery();
    }

    /// <summary>The latest document of each distinct file, newest first (<paramref name="frequent"/>: the most analysed files first).</summary>
    private async Task<IReadOnlyList<StoredDocument>> DocumentsAsync(bool frequent, int limit, CancellationToken cancellationToken)
    {
        var arrival = database.ArrivalColumn;
        var sql = frequent
            ? $"""
                SELECT a.sha256, a.document FROM analyses a
                JOIN (SELECT sha256, count(*) AS uses, max({arrival}) AS latest FROM analyses GROUP BY sha256) d ON a.{arrival} = d.latest
                ORDER BY d.uses DESC, a.created_ts DESC, a.{arrival} DESC LIMIT @limit;
                """
            : $"""
                SELECT a.sha256, a.document FROM analyses a
                JOIN (SELECT sha256, max({arrival}) AS latest FROM analyses GROUP BY sha256) d ON a.{arrival} = d.latest
                ORDER BY a.created_ts DESC, a.{arrival} DESC LIMIT @limit;
                """;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, sql, ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var documents = new List<StoredDocument>();
        while (await reader.ReadAsync(cancellationToken))
        {
            documents.Add(new StoredDocument(reader.GetString(0), CadDocumentJson.Deserialize(reader.GetString(1))));
        }

        return documents;
    }

    private static AnalysisRecord Read(DbDataReader row)
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

    /// <summary>The JSON columns of one row: feature values, document, stage timings, classification.</summary>
    private readonly record struct Serialized(string Values, string Document, string Timings, string? Classification);
}
