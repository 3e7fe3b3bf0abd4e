using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Vectors in the durable store, on either backend (rows as <see cref="VectorRows"/>). Every write,
/// its generation bump and its change-log row share one transaction, so neither the generation nor
/// the log ever runs ahead of or behind the data. Writes go through the group-commit writer; reads
/// open their own connection. The upsert is the backend's own (<see cref="IStoreDatabase.UpsertVector"/>).
/// </summary>
internal sealed partial class VectorStore(IStoreDatabase database, ILogger<VectorStore> logger) : IVectorStore
{
    public void EnsureServing() => database.EnsureServing();

    public Task<VectorWrite> UpsertAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, Action<VectorWrite> applied, IdempotencyClaim? claim = null) =>
        database.WriteAsync((connection, transaction) =>
        {
            // The key first: a taken key fails the write before anything of it is written.
            if (claim is not null)
            {
                IdempotencyStore.Claim(connection, transaction, claim, id);
            }

            return database.UpsertVector(connection, transaction, id, vector, meta, at);
        }, applied);

    public Task<VectorRemoval?> DeleteAsync(string id, DateTimeOffset at, Action<VectorRemoval> applied) =>
        database.WriteAsync((connection, transaction) => Delete(connection, transaction, id, at), removal =>
        {
            if (removal is not null)
            {
                applied(removal);
            }
        });

    public Task DrainAsync() => database.DrainAsync();

    private VectorRemoval? Delete(DbConnection connection, DbTransaction transaction, string id, DateTimeOffset at)
    {
        if (VectorRows.DeleteById(connection, transaction, id) is not { } removed)
        {
            return null;
        }

        using (var remember = StoreCommands.Create(connection, transaction, """
            INSERT INTO vector_deletions (id, deleted_at) VALUES (@id, @at)
            ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at;
            """, ("id", id), ("at", VectorChangeRows.TimeText(at))))
        {
            remember.ExecuteNonQuery();
        }

        var generation = VectorChangeRows.Append(connection, transaction, database.AppendChangeStatement, VectorChangeKind.Delete, id, removed.Seq, removed.Version, null, null, at);
        return new VectorRemoval(id, removed.Seq, removed.Version, generation);
    }

    public async Task<StoredVector?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, $"SELECT {VectorRows.Columns} FROM vectors WHERE id = @id;", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? VectorRows.Read(reader) : null;
    }

    public async Task<VectorPage> ListAsync(VectorFilter filter, int offset, int limit, CancellationToken cancellationToken)
    {
        // Rows of an earlier layout serve nothing until migrated; the migration preview lists them.
        // length() of a blob is its size in bytes on both backends.
        var where = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"WHERE NOT (feature_version = 'v5' AND length(vector) = {EarlierLayouts.V5BeforeStrokes * sizeof(double)})"));
        var parameters = new List<(string Name, object? Value)>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                where.Append(CultureInfo.InvariantCulture, $" AND {column} = @{column}");
                parameters.Add((column, value));
            }
        }

        Equal("material", filter.Material);
        Equal("format", filter.Format);
        Equal("feature_version", filter.FeatureVersion);
        Equal("label", filter.Label);
        Equal("project_id", filter.ProjectId);

        await using var connection = await database.OpenAsync(cancellationToken);
        // One snapshot: the total and the page describe the same moment.
        await using var transaction = await database.BeginSnapshotAsync(connection, cancellationToken);
        long total;
        await using (var count = StoreCommands.Create(connection, transaction, $"SELECT COUNT(*) FROM vectors {where};", [.. parameters]))
        {
            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var items = new List<StoredVector>();
        await using (var page = StoreCommands.Create(
            connection, transaction, $"SELECT {VectorRows.Columns} FROM vectors {where} ORDER BY seq LIMIT @limit OFFSET @offset;", [.. parameters, ("limit", limit), ("offset", offset)]))
        await using (var reader = await page.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(VectorRows.Read(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new VectorPage(items, total);
    }

    public async Task<long> GenerationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ReadGenerationAsync(connection, null, cancellationToken);
    }

    public async IAsyncEnumerable<StoredVector> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, $"SELECT {VectorRows.Columns} FROM vectors ORDER BY seq;");
        // A whole-store read is as long as the store is large; the caller's token bounds it.
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // One damaged row (a legacy vector whose length does not fit its version) must not stop
            // every index build and so the start-up: it is left out of the indexes and logged, and
            // migration reports it as an error item. A row of an earlier layout is left out the same
            // way; the earlier-layout audit counts and reports those once, not once per row and build.
            StoredVector stored;
            try
            {
                stored = VectorRows.Read(reader);
            }
            catch (Exception exception) when (exception is InvalidDataException or EarlierLayoutException)
            {
                if (exception is not EarlierLayoutException)
                {
                    LogUnreadable(exception.Message);
                }

                continue;
            }

            yield return stored;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A stored vector was left out of the similarity index: {Problem}")]
    private partial void LogUnreadable(string problem);

    public async Task<VectorStoreStats> StatsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // One snapshot: the counts and the generation describe the same moment.
        await using var transaction = await database.BeginSnapshotAsync(connection, cancellationToken);
        var byVersion = await CountByAsync(connection, transaction, "feature_version", cancellationToken);
        var byFormat = await CountByAsync(connection, transaction, "format", cancellationToken);
        var byMaterial = await CountByAsync(connection, transaction, "material", cancellationToken);
        var generation = await ReadGenerationAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new VectorStoreStats(byVersion.Values.Sum(), generation, byVersion, byFormat, byMaterial);
    }

    private static async Task<long> ReadGenerationAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = StoreCommands.Create(connection, transaction, "SELECT value FROM store_counters WHERE name = 'vector_generation';");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task<SortedDictionary<string, long>> CountByAsync(DbConnection connection, DbTransaction transaction, string column, CancellationToken cancellationToken)
    {
        await using var command = StoreCommands.Create(connection, transaction, $"SELECT COALESCE({column}, 'unknown'), COUNT(*) FROM vectors GROUP BY 1;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = counts.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
        }

        return counts;
    }
}
