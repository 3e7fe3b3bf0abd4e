using System.Globalization;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The change log in SQLite (<c>vector_changes</c>). <see cref="Append"/> is the only way a vector
/// generation advances: it bumps the counter and writes the change row inside the caller's
/// transaction, so a generation and its row commit together or not at all. Every writer of
/// vectors holds SQLite's single write lock while it appends, which makes the generations gap-free
/// and numbered in commit order (the group-commit writer's savepoints roll a failed write back
/// together with its generation).
/// </summary>
internal sealed class SqliteVectorChangeLog(SqliteDatabase database) : IVectorChangeLog
{
    public IReadOnlyList<VectorChange> ReadAfter(long generation, int limit)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at
            FROM vector_changes WHERE generation > $after ORDER BY generation LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$after", generation);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var changes = new List<VectorChange>();
        while (reader.Read())
        {
            changes.Add(VectorChangeRows.Read(reader));
        }

        return changes;
    }

    public IReadOnlyList<StoredVector> ReadRows(IReadOnlyCollection<long> seqs)
    {
        using var connection = database.Open();
        var rows = new List<StoredVector>(seqs.Count);
        // In chunks: SQLite bounds the parameters of one statement.
        foreach (var chunk in seqs.Chunk(500))
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {SqliteVectorStore.Columns} FROM vectors WHERE seq IN ({string.Join(", ", chunk.Select((_, i) => $"$s{i}"))});";
            for (var i = 0; i < chunk.Length; i++)
            {
                command.Parameters.AddWithValue($"$s{i}", chunk[i]);
            }

            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(SqliteVectorStore.Read(reader));
            }
        }

        return rows;
    }

    public long AppendMigrationEnd(string migrationId, FeatureVersion target, DateTimeOffset at)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        var generation = Append(connection, transaction, VectorChangeKind.Switch, migrationId, 0, target, null, null, at);
        transaction.Commit();
        return generation;
    }

    public long TrimThrough(long generation)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM vector_changes WHERE generation <= $through;";
        command.Parameters.AddWithValue("$through", generation);
        return command.ExecuteNonQuery();
    }

    /// <summary>Bumps the vector generation and records what it changed, in the caller's transaction; returns the generation.</summary>
    internal static long Append(
        SqliteConnection connection,
        SqliteTransaction transaction,
        VectorChangeKind kind,
        string id,
        long seq,
        FeatureVersion version,
        long? replacedSeq,
        FeatureVersion? replacedVersion,
        DateTimeOffset at)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation';
            INSERT INTO vector_changes (generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at)
            VALUES ((SELECT value FROM store_counters WHERE name = 'vector_generation'), $kind, $id, $seq, $version, $replaced_seq, $replaced_version, $at)
            RETURNING generation;
            """;
        command.Parameters.AddWithValue("$kind", VectorChangeRows.KindName(kind));
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$version", version.Name());
        command.Parameters.AddWithValue("$replaced_seq", (object?)replacedSeq ?? DBNull.Value);
        command.Parameters.AddWithValue("$replaced_version", (object?)replacedVersion?.Name() ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", VectorChangeRows.TimeText(at));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

}
