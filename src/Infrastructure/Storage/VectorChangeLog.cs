using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The change log (<c>vector_changes</c>, rows as <see cref="VectorChangeRows"/>) on either backend.
/// <see cref="VectorChangeRows.Append"/> is the only way a vector generation advances: it bumps
/// the counter and writes the change row inside the caller's transaction, so a generation and its row
/// commit together or not at all; every writer holds what orders vector writes while it appends, which
/// makes the generations gap-free and numbered in commit order.
/// </summary>
internal sealed class VectorChangeLog(IStoreDatabase database) : IVectorChangeLog
{
    public IReadOnlyList<VectorChange> ReadAfter(long generation, int limit)
    {
        using var connection = database.Open();
        using var command = StoreCommands.Create(connection, null, """
            SELECT generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at
            FROM vector_changes WHERE generation > @after ORDER BY generation LIMIT @limit;
            """, ("after", generation), ("limit", limit));
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
        foreach (var chunk in seqs.Chunk(StoreCommands.ListChunk))
        {
            using var command = StoreCommands.Create(connection, null, string.Empty);
            command.CommandText = $"SELECT {VectorRows.Columns} FROM vectors WHERE seq IN ({StoreCommands.AddList(command, "s", chunk)});";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(VectorRows.Read(reader));
            }
        }

        return rows;
    }

    public long AppendMigrationEnd(string migrationId, FeatureVersion target, DateTimeOffset at)
    {
        using var connection = database.Open();
        using var transaction = database.BeginVectorWrite(connection);
        var generation = VectorChangeRows.Append(connection, transaction, database.AppendChangeStatement, VectorChangeKind.Switch, migrationId, 0, target, null, null, at);
        transaction.Commit();
        return generation;
    }

    public long TrimThrough(long generation)
    {
        using var connection = database.Open();
        using var command = StoreCommands.Create(connection, null, "DELETE FROM vector_changes WHERE generation <= @through;", ("through", generation));
        return command.ExecuteNonQuery();
    }
}
