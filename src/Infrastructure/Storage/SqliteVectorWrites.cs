using System.Globalization;
using System.Text.Json;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The vector writes whose statements are SQLite's own (no data-modifying CTEs there, so each is a few
/// statements in the caller's transaction). Every writer of vectors holds SQLite's single write lock
/// while it appends to the change log, which makes the generations gap-free and numbered in commit
/// order (the group-commit writer's savepoints roll a failed write back together with its generation).
/// </summary>
internal static class SqliteVectorWrites
{
    /// <summary>
    /// Old row out, new row (new seq) in, generation bumped, inside the caller's transaction (the
    /// writer's IMMEDIATE one, so no other writer can slip in between the read and the write).
    /// </summary>
    internal static VectorWrite Upsert(SqliteConnection connection, SqliteTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at)
    {
        var replaced = VectorRows.DeleteById(connection, transaction, id);
        var replacedSeq = replaced?.Seq;
        var replacedVersion = replaced?.Version;

        long seq;
        using (var insert = Command(connection, transaction, """
            INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
            VALUES ($id, $version, $vector, $material, $format, $label, $project_id, $meta, $created_at)
            RETURNING seq;
            """))
        {
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$version", vector.Version.Name());
            insert.Parameters.AddWithValue("$vector", VectorRows.Encode(vector.Values));
            insert.Parameters.AddWithValue("$material", (object?)meta.GetValueOrDefault("material") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$format", (object?)meta.GetValueOrDefault("format") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$label", (object?)meta.GetValueOrDefault("label") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$project_id", (object?)meta.GetValueOrDefault("project_id") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$meta", JsonSerializer.Serialize(meta));
            insert.Parameters.AddWithValue("$created_at", VectorChangeRows.TimeText(at));
            seq = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        // A vector written again is no longer a deliberate deletion the orphan sweep must respect.
        using (var undelete = Command(connection, transaction, "DELETE FROM vector_deletions WHERE id = $id;"))
        {
            undelete.Parameters.AddWithValue("$id", id);
            undelete.ExecuteNonQuery();
        }

        var generation = VectorChangeRows.Append(connection, transaction, AppendStatement, VectorChangeKind.Insert, id, seq, vector.Version, replacedSeq, replacedVersion, at);
        var stored = new StoredVector(seq, id, vector, new Dictionary<string, string>(meta, StringComparer.Ordinal), at);
        return new VectorWrite(stored, replacedSeq, replacedVersion, generation);
    }

    /// <summary>See <see cref="IStoreDatabase.MoveVector"/>.</summary>
    internal static MovedVectorRow? Move(SqliteConnection connection, SqliteTransaction transaction, long seq, FeatureVector vector)
    {
        object[] old;
        using (var delete = Command(connection, transaction, """
            DELETE FROM vectors WHERE seq = $seq
            RETURNING id, feature_version, material, format, label, project_id, meta, created_at;
            """))
        {
            delete.Parameters.AddWithValue("$seq", seq);
            using var reader = delete.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            old = new object[reader.FieldCount];
            reader.GetValues(old);
        }

        using var insert = Command(connection, transaction, """
            INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
            VALUES ($id, $version, $vector, $material, $format, $label, $project_id, $meta, $created_at)
            RETURNING seq;
            """);
        insert.Parameters.AddWithValue("$id", old[0]);
        insert.Parameters.AddWithValue("$version", vector.Version.Name());
        insert.Parameters.AddWithValue("$vector", VectorRows.Encode(vector.Values));
        string[] kept = ["$material", "$format", "$label", "$project_id", "$meta", "$created_at"];
        for (var i = 0; i < kept.Length; i++)
        {
            insert.Parameters.AddWithValue(kept[i], old[i + 2]);
        }

        var moved = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        return new MovedVectorRow(moved, (string)old[1], (string)old[6], (string)old[7]);
    }

    /// <summary>
    /// The change-log append (<see cref="VectorChangeRows.Append"/>): no data-modifying CTEs in SQLite, so
    /// the bump and the row are two statements; the row reads the bumped value inside the same transaction.
    /// </summary>
    internal const string AppendStatement = """
        UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation';
        INSERT INTO vector_changes (generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at)
        VALUES ((SELECT value FROM store_counters WHERE name = 'vector_generation'), @kind, @id, @seq, @version, @replaced_seq, @replaced_version, @at)
        RETURNING generation;
        """;

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
