using System.Globalization;
using System.Text.Json;
using CadMl.Application.Model.Serving;
using CadMl.Domain.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Versions before the group-committed writer stored an analysis and its vector in two
/// transactions, so a crash between them left an analysis without a vector: never returned as a
/// similar part, and its GET says the vector was deleted. At start-up this sweep finds such
/// analyses and writes their vector from the analysis row itself (same id, values, version and
/// metadata the analyze path would have written), in one transaction through the writer. An id in
/// <c>vector_deletions</c> was deleted on purpose and is left alone. Deletions made before that
/// table existed cannot be told apart from crash orphans; each repaired id is logged so an
/// operator can delete it again.
/// </summary>
public sealed partial class OrphanSweep(SqliteWriter writer, ILogger<OrphanSweep> logger)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Repairs every orphan and returns their ids.</summary>
    public async Task<IReadOnlyList<string>> RepairAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var repaired = await writer.WriteAsync((connection, transaction) => Repair(connection, transaction));
        foreach (var id in repaired)
        {
            LogRepaired(id);
        }

        LogSwept(repaired.Count);
        return repaired;
    }

    private List<string> Repair(SqliteConnection connection, SqliteTransaction transaction)
    {
        var orphans = new List<(string Id, string Format, string FileName, string? Material, string? ProjectId, string Version, string Vector, string? Classification, string CreatedAt)>();
        using (var find = connection.CreateCommand())
        {
            find.Transaction = transaction;
            find.CommandText = """
                SELECT a.id, a.format, a.file_name, a.material, a.project_id, a.feature_version, a.vector, a.classification, a.created_at
                FROM analyses a
                LEFT JOIN vectors v ON v.id = a.id
                LEFT JOIN vector_deletions d ON d.id = a.id
                WHERE v.id IS NULL AND d.id IS NULL
                ORDER BY a.rowid;
                """;
            using var reader = find.ExecuteReader();
            while (reader.Read())
            {
                orphans.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8)));
            }
        }

        var repaired = new List<string>();
        foreach (var orphan in orphans)
        {
            var values = JsonSerializer.Deserialize<double[]>(orphan.Vector) ?? [];
            if (!FeatureVector.TryCreate(FeatureVersions.Parse(orphan.Version), values, out var vector))
            {
                LogUnrepairable(orphan.Id);
                continue;
            }

            var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = orphan.Format, ["file_name"] = orphan.FileName };
            if (orphan.Material is not null)
            {
                meta["material"] = orphan.Material;
            }

            if (orphan.ProjectId is not null)
            {
                meta["project_id"] = orphan.ProjectId;
            }

            if (orphan.Classification is not null
                && JsonSerializer.Deserialize<ClassificationOutcome>(orphan.Classification, Json)?.Classification is { } classification)
            {
                meta["label"] = classification.Label;
            }

            var at = DateTimeOffset.Parse(orphan.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            SqliteVectorWrites.Upsert(connection, transaction, orphan.Id, vector!, meta, at);
            repaired.Add(orphan.Id);
        }

        return repaired;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analysis {Id} had no vector (a crash between two writes of an older version); its vector was re-created from the analysis")]
    private partial void LogRepaired(string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Analysis {Id} has no vector and its stored values do not fit its feature version; left as is")]
    private partial void LogUnrepairable(string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Orphan sweep: {Count} analyses without a vector repaired")]
    private partial void LogSwept(int count);
}
