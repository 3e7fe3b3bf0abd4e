using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Fleet;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Migration's reads and writes on the durable store, on either backend. Rows are read raw (values
/// as stored, the declared version as text) so a damaged row becomes a reported item instead of an
/// exception, together with the analysis document kept under the same id. A batch write has the
/// same shape as a vector upsert: old row out, new row (new seq) in, a generation and a change-log
/// row per vector, all in one transaction that holds what orders vector writes from its start.
/// </summary>
internal sealed class MigrationStore(IStoreDatabase database, TimeProvider time) : IMigrationStore
{
    private const string Select = """
        SELECT v.seq, v.id, v.feature_version, v.vector, a.document, v.format
        FROM vectors v LEFT JOIN analyses a ON a.id = v.id
        """;

    public async Task<IReadOnlyList<MigrationSource>> SampleAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, $"{Select} ORDER BY v.seq LIMIT @limit;", ("limit", limit));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<MigrationSource>> FindAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = new List<MigrationSource>(ids.Count);
        foreach (var chunk in ids.Chunk(StoreCommands.ListChunk))
        {
            await using var command = StoreCommands.Create(connection, null, string.Empty);
            command.CommandText = $"{Select} WHERE v.id IN ({StoreCommands.AddList(command, "id", chunk)});";
            rows.AddRange(await ReadAsync(command, cancellationToken));
        }

        return [.. rows.OrderBy(row => row.Seq)];
    }

    public async Task<long> CountEarlierLayoutAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // length() of a blob is its size in bytes on both backends.
        await using var command = StoreCommands.Create(
            connection, null, "SELECT COUNT(*) FROM vectors WHERE feature_version = 'v5' AND length(vector) = @bytes;", ("bytes", EarlierLayouts.V5BeforeStrokes * sizeof(double)));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<long> LastSeqAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM vectors;");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<MigrationSource>> PendingAsync(FeatureVersion target, long afterSeq, long lastSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(
            connection,
            null,
            $"{Select} WHERE v.seq > @after AND v.seq <= @last AND (v.feature_version <> @target OR length(v.vector) <> @bytes) ORDER BY v.seq LIMIT @limit;",
            ("after", afterSeq),
            ("last", lastSeq),
            ("target", target.Name()),
            ("bytes", target.Dimension() * sizeof(double)),
            ("limit", limit));
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<MigrationBatchWrite> WriteAsync(IReadOnlyList<MigrationChange> changes, FleetLease? fence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = database.BeginVectorWrite(connection);
        if (fence is not null && !FleetLeaseStore.IsCurrent(connection, transaction, fence, time.GetUtcNow(), lockRow: database.LocksReadRows))
        {
            return MigrationBatchWrite.Fenced();
        }

        var writes = new List<VectorWrite?>(changes.Count);
        var at = time.GetUtcNow();
        var generation = 0L;
        foreach (var change in changes)
        {
            // The new row keeps the old one's metadata and creation time; only the values and version change.
            if (database.MoveVector(connection, transaction, change.Seq, change.Vector) is not { } moved)
            {
                writes.Add(null);
                continue;
            }

            var replaced = FeatureVersions.Parse(moved.ReplacedVersion);
            // One generation per migrated vector: the change log holds one change per generation.
            generation = VectorChangeRows.Append(connection, transaction, database.AppendChangeStatement, VectorChangeKind.Switch, change.Id, moved.Seq, change.Vector.Version, change.Seq, replaced, at);
            writes.Add(new VectorWrite(
                new StoredVector(
                    moved.Seq,
                    change.Id,
                    change.Vector,
                    JsonSerializer.Deserialize<Dictionary<string, string>>(moved.Meta) ?? [],
                    DateTimeOffset.Parse(moved.CreatedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)),
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
        return await MigrationRunRows.RecentAsync(connection, database.ArrivalColumn, limit, cancellationToken);
    }

    private static async Task<IReadOnlyList<MigrationSource>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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
                VectorRows.Decode((byte[])reader.GetValue(3)),
                document,
                problem,
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }
}
