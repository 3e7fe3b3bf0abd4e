using System.Text.Json;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// The vector writes whose statements are PostgreSQL's own: data-modifying CTEs put what SQLite does in
/// several statements into one round trip. Every writer holds the generation counter row from the start
/// of its transaction (<see cref="PostgresWriter.LockGeneration"/>), so generations are gap-free and in
/// commit order across every process sharing the store.
/// </summary>
internal static class PostgresVectorWrites
{
    /// <summary>Old row out, new row (new seq) in, generation bumped, inside the writer's transaction (which holds the generation lock).</summary>
    internal static VectorWrite Upsert(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at)
    {
        var replaced = VectorRows.DeleteById(connection, transaction, id);
        var replacedSeq = replaced?.Seq;
        var replacedVersion = replaced?.Version;

        // One round trip for the rest: every part touches its own table, so the order PostgreSQL runs
        // them in does not matter (the old row went above, in its own statement, before the insert
        // that reuses its id). Round trips, not fsyncs, are what a write costs inside a group commit.
        long seq;
        long generation;
        using (var insert = new NpgsqlCommand("""
            WITH inserted AS (
                INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
                VALUES (@id, @version, @vector, @material, @format, @label, @project_id, @meta, @created_at)
                RETURNING seq),
            undeleted AS (DELETE FROM vector_deletions WHERE id = @id),
            bumped AS (UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation' RETURNING value)
            INSERT INTO vector_changes (generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at)
            SELECT bumped.value, 'insert', @id, inserted.seq, @version, @replaced_seq, @replaced_version, @created_at FROM bumped, inserted
            RETURNING seq, generation;
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("version", vector.Version.Name());
            insert.Parameters.AddWithValue("vector", VectorRows.Encode(vector.Values));
            insert.Parameters.AddNullable("material", NpgsqlDbType.Text, meta.GetValueOrDefault("material"));
            insert.Parameters.AddNullable("format", NpgsqlDbType.Text, meta.GetValueOrDefault("format"));
            insert.Parameters.AddNullable("label", NpgsqlDbType.Text, meta.GetValueOrDefault("label"));
            insert.Parameters.AddNullable("project_id", NpgsqlDbType.Text, meta.GetValueOrDefault("project_id"));
            insert.Parameters.AddWithValue("meta", JsonSerializer.Serialize(meta));
            insert.Parameters.AddWithValue("created_at", VectorChangeRows.TimeText(at));
            insert.Parameters.AddNullable("replaced_seq", NpgsqlDbType.Bigint, replacedSeq);
            insert.Parameters.AddNullable("replaced_version", NpgsqlDbType.Text, replacedVersion?.Name());
            using var reader = insert.ExecuteReader();
            reader.Read();
            seq = reader.GetInt64(0);
            generation = reader.GetInt64(1);
        }

        var stored = new StoredVector(seq, id, vector, new Dictionary<string, string>(meta, StringComparer.Ordinal), at);
        return new VectorWrite(stored, replacedSeq, replacedVersion, generation);
    }

    /// <summary>See <see cref="IStoreDatabase.MoveVector"/>; one round trip.</summary>
    internal static MovedVectorRow? Move(NpgsqlConnection connection, NpgsqlTransaction transaction, long seq, FeatureVector vector)
    {
        using var move = new NpgsqlCommand("""
            WITH old AS (DELETE FROM vectors WHERE seq = @seq
                         RETURNING id, feature_version, material, format, label, project_id, meta, created_at)
            INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
            SELECT id, @version, @vector, material, format, label, project_id, meta, created_at FROM old
            RETURNING seq, (SELECT feature_version FROM old), meta, created_at;
            """, connection, transaction);
        move.Parameters.AddWithValue("seq", seq);
        move.Parameters.AddWithValue("version", vector.Version.Name());
        move.Parameters.AddWithValue("vector", NpgsqlDbType.Bytea, VectorRows.Encode(vector.Values));
        using var reader = move.ExecuteReader();
        return reader.Read()
            ? new MovedVectorRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3))
            : null;
    }

    /// <summary>The change-log append (<see cref="VectorChangeRows.Append"/>): bump and row in one statement.</summary>
    internal const string AppendStatement = """
        WITH bumped AS (UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation' RETURNING value)
        INSERT INTO vector_changes (generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at)
        SELECT value, @kind, @id, @seq, @version, @replaced_seq, @replaced_version, @at FROM bumped
        RETURNING generation;
        """;
}
