using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Model.Serving;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The <c>analyses</c> row as both backends write and read it (the table and these statements are
/// the same on SQLite and PostgreSQL; parameters are <c>@name</c>, which both accept).
/// </summary>
internal static class AnalysisRows
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// <see cref="FindAsync"/>'s statement; <see cref="Read"/> reads its columns.
    /// </summary>
    private const string SelectById = """
        SELECT id, created_at, file_name, sha256, size_bytes, material, project_id, feature_version, vector, document, cache_hit, timings,
               classification
        FROM analyses WHERE id = @id;
        """;

    /// <summary>
    /// The record's JSON columns. Serialised on the caller's thread, before the write is queued: the
    /// writer loop's time is the commit's, shared by everyone waiting.
    /// </summary>
    public static Serialized Serialize(AnalysisRecord record) => new(
        JsonSerializer.Serialize(record.Features.Values),
        CadDocumentJson.Serialize(record.Document),
        JsonSerializer.Serialize(record.Timings, Json),
        record.Classification is null ? null : JsonSerializer.Serialize(record.Classification, Json));

    public static void Insert(DbConnection connection, DbTransaction transaction, AnalysisRecord record, Serialized columns)
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

    public static async Task<AnalysisRecord?> FindAsync(DbConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = StoreCommands.Create(connection, null, SelectById, ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// The latest document of each distinct file, newest first (<paramref name="frequent"/>: the most
    /// analysed files first). <paramref name="arrival"/> names the column that orders rows by insertion
    /// on this backend (SQLite's <c>rowid</c>, PostgreSQL's <c>ord</c>); it is never user input.
    /// </summary>
    public static async Task<IReadOnlyList<StoredDocument>> DocumentsAsync(
        DbConnection connection, string arrival, bool frequent, int limit, CancellationToken cancellationToken)
    {
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
        if (!FeatureVector.TryCreate(version, values, out var vector))
        {
            throw new InvalidDataException($"Stored analysis {row.GetString(0)} has {values.Length} values for {version.Name()}.");
        }

        return new AnalysisRecord(
            row.GetString(0),
            DateTimeOffset.Parse(row.GetString(1), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            row.GetString(2),
            row.GetString(3),
            row.GetInt64(4),
            row.IsDBNull(5) ? null : row.GetString(5),
            row.IsDBNull(6) ? null : row.GetString(6),
            CadDocumentJson.Deserialize(row.GetString(9)),
            vector!,
            row.GetInt64(10) != 0,
            JsonSerializer.Deserialize<StageTimings>(row.GetString(11), Json)!,
            row.IsDBNull(12) ? null : JsonSerializer.Deserialize<ClassificationOutcome>(row.GetString(12), Json));
    }

    /// <summary>The JSON columns of one row: feature values, document, stage timings, classification.</summary>
    internal readonly record struct Serialized(string Values, string Document, string Timings, string? Classification);
}
