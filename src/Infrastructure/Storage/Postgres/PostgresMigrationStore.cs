using System.Globalization;
using System.Text.Json;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Fleet;
using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// Migration's reads and writes on the PostgreSQL store, with the rows and rules of
/// <see cref="SqliteMigrationStore"/>: a batch is one transaction that first takes the generation
/// lock, then per vector moves the row to a new seq and appends one switch to the change log.
/// </summary>
internal sealed class PostgresMigrationStore(PostgresDatabase database, TimeProvider time) : IMigrationStore
{
    public async Task<IReadOnlyList<MigrationSource>> SampleAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SqliteMigrationStore.Select} ORDER BY v.seq LIMIT @limit;", connection);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<MigrationSource>> FindAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"{SqliteMigrationStore.Select} WHERE v.id = ANY(@ids) ORDER BY v.seq;", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<long> CountEarlierLayoutAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM vectors WHERE feature_version = 'v5' AND octet_length(vector) = @bytes;", connection);
        command.Parameters.AddWithValue("bytes", EarlierLayouts.V5BeforeStrokes * sizeof(double));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> LastSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT COALESCE(MAX(seq), 0) FROM vectors;", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<MigrationSource>> PendingAsync(FeatureVersion target, long afterSeq, long lastSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"{SqliteMigrationStore.Select} WHERE v.seq > @after AND v.seq <= @last AND (v.feature_version <> @target OR octet_length(v.vector) <> @bytes) ORDER BY v.seq LIMIT @limit;", connection);
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("last", lastSeq);
        command.Parameters.AddWithValue("target", target.Name());
        command.Parameters.AddWithValue("bytes", target.Dimension() * sizeof(double));
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<MigrationBatchWrite> WriteAsync(IReadOnlyList<MigrationChange> changes, FleetLease? fence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        PostgresWriter.LockGeneration(connection, transaction);
        if (fence is not null && !FleetLeaseStore.IsCurrent(connection, transaction, fence, time.GetUtcNow(), lockRow: true))
        {
            return MigrationBatchWrite.Fenced();
        }

        var writes = new List<VectorWrite?>(changes.Count);
        var at = time.GetUtcNow();
        var generation = 0L;
        foreach (var change in changes)
        {
            string replacedName;
            string meta;
            string createdAt;
            long seq;
            // The new row keeps the old one's metadata and creation time; only the values and version change.
            await using (var move = new NpgsqlCommand("""
                WITH old AS (DELETE FROM vectors WHERE seq = @seq
                             RETURNING id, feature_version, material, format, label, project_id, meta, created_at)
                INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
                SELECT id, @version, @vector, material, format, label, project_id, meta, created_at FROM old
                RETURNING seq, (SELECT feature_version FROM old), meta, created_at;
                """, connection, transaction))
            {
                move.Parameters.AddWithValue("seq", change.Seq);
                move.Parameters.AddWithValue("version", change.Vector.Version.Name());
                move.Parameters.AddWithValue("vector", NpgsqlDbType.Bytea, SqliteVectorStore.Encode(change.Vector.Values));
                await using var reader = await move.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    writes.Add(null);
                    continue;
                }

                seq = reader.GetInt64(0);
                replacedName = reader.GetString(1);
                meta = reader.GetString(2);
                createdAt = reader.GetString(3);
            }

            var replaced = FeatureVersions.Parse(replacedName);
            // One generation per migrated vector: the change log holds one change per generation.
            generation = PostgresVectorChangeLog.Append(connection, transaction, VectorChangeKind.Switch, change.Id, seq, change.Vector.Version, change.Seq, replaced, at);
            writes.Add(new VectorWrite(
                new StoredVector(
                    seq,
                    change.Id,
                    change.Vector,
                    JsonSerializer.Deserialize<Dictionary<string, string>>(meta) ?? [],
                    DateTimeOffset.Parse(createdAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
                change.Seq,
                replaced,
                generation));
        }

        await transaction.CommitAsync(cancellationToken);
        return new MigrationBatchWrite(writes, generation);
    }

    public async Task SaveRunAsync(MigrationRun run, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await MigrationRunRows.InsertAsync(connection, run, cancellationToken);
    }

    public async Task<IReadOnlyList<MigrationRun>> RecentRunsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await MigrationRunRows.RecentAsync(connection, "ord", limit, cancellationToken);
    }

    private static async Task<IReadOnlyList<MigrationSource>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await SqliteMigrationStore.ReadSourcesAsync(reader, cancellationToken);
    }
}
