using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// The change log on PostgreSQL (<c>vector_changes</c>), the same rows as SQLite's. <see cref="Append"/>
/// bumps the counter row and writes the change in the caller's transaction (the upsert does the same
/// inside its one statement, <see cref="PostgresVectorStore.Upsert"/>); every writer holds the
/// counter row from the start of its transaction (<see cref="PostgresWriter.LockGeneration"/>), so
/// generations are gap-free and in commit order across every process sharing the store.
/// </summary>
internal sealed class PostgresVectorChangeLog(PostgresDatabase database) : IVectorChangeLog
{
    public IReadOnlyList<VectorChange> ReadAfter(long generation, int limit)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("""
            SELECT generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at
            FROM vector_changes WHERE generation > @after ORDER BY generation LIMIT @limit;
            """, connection);
        command.Parameters.AddWithValue("after", generation);
        command.Parameters.AddWithValue("limit", limit);
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
        using var command = new NpgsqlCommand($"SELECT {SqliteVectorStore.Columns} FROM vectors WHERE seq = ANY(@seqs);", connection);
        command.Parameters.AddWithValue("seqs", seqs.ToArray());
        using var reader = command.ExecuteReader();
        var rows = new List<StoredVector>(seqs.Count);
        while (reader.Read())
        {
            rows.Add(SqliteVectorStore.Read(reader));
        }

        return rows;
    }

    public long AppendMigrationEnd(string migrationId, FeatureVersion target, DateTimeOffset at)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        PostgresWriter.LockGeneration(connection, transaction);
        var generation = Append(connection, transaction, VectorChangeKind.Switch, migrationId, 0, target, null, null, at);
        transaction.Commit();
        return generation;
    }

    public long TrimThrough(long generation)
    {
        using var connection = database.Open();
        using var command = new NpgsqlCommand("DELETE FROM vector_changes WHERE generation <= @through;", connection);
        command.Parameters.AddWithValue("through", generation);
        return command.ExecuteNonQuery();
    }

    /// <summary>Bumps the vector generation and records what it changed, in the caller's transaction; returns the generation.</summary>
    internal static long Append(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        VectorChangeKind kind,
        string id,
        long seq,
        FeatureVersion version,
        long? replacedSeq,
        FeatureVersion? replacedVersion,
        DateTimeOffset at)
    {
        using var command = new NpgsqlCommand("""
            WITH bumped AS (UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation' RETURNING value)
            INSERT INTO vector_changes (generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at)
            SELECT value, @kind, @id, @seq, @version, @replaced_seq, @replaced_version, @at FROM bumped
            RETURNING generation;
            """, connection, transaction);
        command.Parameters.AddWithValue("kind", VectorChangeRows.KindName(kind));
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("seq", seq);
        command.Parameters.AddWithValue("version", version.Name());
        command.Parameters.AddNullable("replaced_seq", NpgsqlDbType.Bigint, replacedSeq);
        command.Parameters.AddNullable("replaced_version", NpgsqlDbType.Text, replacedVersion?.Name());
        command.Parameters.AddWithValue("at", VectorChangeRows.TimeText(at));
        return (long)command.ExecuteScalar()!;
    }
}
