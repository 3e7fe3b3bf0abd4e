using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Fleet;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Migration's reads and writes on the durable store. Rows are read raw (values as stored, the
/// declared version as text) so a damaged row becomes a reported item instead of an exception,
/// together with the analysis document kept under the same id. A batch write has the same shape
/// as <see cref="SqliteVectorStore.UpsertAsync"/>: old row out, new row (new seq) in, a generation
/// and a change-log row per vector, all in one transaction.
/// </summary>
internal sealed class SqliteMigrationStore(SqliteDatabase database, TimeProvider time) : IMigrationStore
{
    internal const string Select = """
        SELECT v.seq, v.id, v.feature_version, v.vector, a.document, v.format
        FROM vectors v LEFT JOIN analyses a ON a.id = v.id
        """;

    public async Task<IReadOnlyList<MigrationSource>> SampleAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"{Select} ORDER BY v.seq LIMIT $limit;");
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<MigrationSource>> FindAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"{Select} WHERE v.id IN (SELECT value FROM json_each($ids)) ORDER BY v.seq;");
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<long> CountEarlierLayoutAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT COUNT(*) FROM vectors WHERE feature_version = 'v5' AND length(vector) = $bytes;");
        command.Parameters.AddWithValue("$bytes", EarlierLayouts.V5BeforeStrokes * sizeof(double));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<long> LastSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM vectors;");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<MigrationSource>> PendingAsync(FeatureVersion target, long afterSeq, long lastSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            $"{Select} WHERE v.seq > $after AND v.seq <= $last AND (v.feature_version <> $target OR length(v.vector) <> $bytes) ORDER BY v.seq LIMIT $limit;");
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$last", lastSeq);
        command.Parameters.AddWithValue("$target", target.Name());
        command.Parameters.AddWithValue("$bytes", target.Dimension() * sizeof(double));
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<MigrationBatchWrite> WriteAsync(IReadOnlyList<MigrationChange> changes, FleetLease? fence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // IMMEDIATE (Microsoft.Data.Sqlite's default): the write lock is held from the first read of an old row.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        if (fence is not null && !FleetLeaseStore.IsCurrent(connection, transaction, fence, time.GetUtcNow(), lockRow: false))
        {
            return MigrationBatchWrite.Fenced();
        }

        await using var delete = Command(connection, transaction, """
            DELETE FROM vectors WHERE seq = $seq
            RETURNING feature_version, material, format, label, project_id, meta, created_at;
            """);
        var seqParameter = delete.Parameters.Add("$seq", SqliteType.Integer);
        await using var insert = Command(connection, transaction, """
            INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
            VALUES ($id, $version, $vector, $material, $format, $label, $project_id, $meta, $created_at)
            RETURNING seq;
            """);
        string[] names = ["$id", "$version", "$vector", "$material", "$format", "$label", "$project_id", "$meta", "$created_at"];
        var parameters = names.Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        parameters[2].SqliteType = SqliteType.Blob;

        var writes = new List<(MigrationChange Change, long NewSeq, FeatureVersion Replaced, string Meta, string CreatedAt, long Generation)?>(changes.Count);
        var at = time.GetUtcNow();
        var generation = 0L;
        foreach (var change in changes)
        {
            seqParameter.Value = change.Seq;
            object[] old;
            await using (var reader = await delete.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    writes.Add(null);
                    continue;
                }

                old = new object[reader.FieldCount];
                reader.GetValues(old);
            }

            parameters[0].Value = change.Id;
            parameters[1].Value = change.Vector.Version.Name();
            parameters[2].Value = SqliteVectorStore.Encode(change.Vector.Values);
            for (var i = 1; i <= 6; i++)
            {
                parameters[i + 2].Value = old[i];
            }

            var seq = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            var replaced = FeatureVersions.Parse((string)old[0]);
            // One generation per migrated vector: the change log holds one change per generation.
            generation = SqliteVectorChangeLog.Append(connection, transaction, VectorChangeKind.Switch, change.Id, seq, change.Vector.Version, change.Seq, replaced, at);
            writes.Add((change, seq, replaced, (string)old[5], (string)old[6], generation));
        }

        await transaction.CommitAsync(cancellationToken);

        return new MigrationBatchWrite(
            [.. writes.Select(w => w is not { } write ? null : new VectorWrite(
                new StoredVector(
                    write.NewSeq,
                    write.Change.Id,
                    write.Change.Vector,
                    JsonSerializer.Deserialize<Dictionary<string, string>>(write.Meta) ?? [],
                    DateTimeOffset.Parse(write.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
                write.Change.Seq,
                write.Replaced,
                write.Generation))],
            generation);
    }

    public async Task SaveRunAsync(MigrationRun run, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await MigrationRunRows.InsertAsync(connection, run, cancellationToken);
    }

    public async Task<IReadOnlyList<MigrationRun>> RecentRunsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await MigrationRunRows.RecentAsync(connection, "rowid", limit, cancellationToken);
    }

    private static async Task<IReadOnlyList<MigrationSource>> ReadAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadSourcesAsync(reader, cancellationToken);
    }

    /// <summary>Rows as <see cref="Select"/> reads them; the same on every backend.</summary>
    internal static async Task<IReadOnlyList<MigrationSource>> ReadSourcesAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<MigrationSource>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var declared = reader.GetString(2);
            CadDocument? document = null;
            string? problem = null;
            if (!reader.IsDBNull(4))
            {
                try
                {
                    document = CadDocumentJson.Deserialize(reader.GetString(4));
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    // A damaged document is reported on its item; it must not stop the batch.
                    problem = exception.Message;
                }
            }

            rows.Add(new MigrationSource(
                reader.GetInt64(0),
                reader.GetString(1),
                declared,
                FeatureVersions.TryParse(declared, out var version) ? version : null,
                SqliteVectorStore.Decode((byte[])reader.GetValue(3)),
                document,
                problem,
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
