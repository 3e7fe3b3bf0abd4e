using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CadMl.Application.Tests.Migration;

/// <summary>
/// Rows written straight into a host's SQLite file: thousands of vectors in one transaction
/// (seeding through the API would be one fsync each), or a row no API accepts (a legacy or
/// damaged vector whose length does not fit its declared version).
/// </summary>
internal static class VectorRows
{
    public static async Task InsertAsync(string dataDir, IEnumerable<(string Id, string Version, double[] Values)> rows)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cadml.db")};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO vectors (id, feature_version, vector, format, meta, created_at)
            VALUES ($id, $version, $vector, 'dxf', $meta, $created_at);
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var version = insert.Parameters.Add("$version", SqliteType.Text);
        var vector = insert.Parameters.Add("$vector", SqliteType.Blob);
        insert.Parameters.AddWithValue("$meta", JsonSerializer.Serialize(new Dictionary<string, string> { ["format"] = "dxf" }));
        insert.Parameters.AddWithValue("$created_at", DateTimeOffset.UnixEpoch.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        foreach (var row in rows)
        {
            id.Value = row.Id;
            version.Value = row.Version;
            vector.Value = MemoryMarshal.AsBytes(row.Values.AsSpan()).ToArray();
            await insert.ExecuteNonQueryAsync();
        }

        await using var bump = connection.CreateCommand();
        bump.Transaction = transaction;
        bump.CommandText = "UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation';";
        await bump.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    public static double[][] Random(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextDouble() + 0.01).ToArray())];
    }
}
