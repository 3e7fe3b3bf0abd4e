using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// Vectors in the PostgreSQL store: the same rows and rules as <see cref="SqliteVectorStore"/>
/// (float64 blobs, new seq on replace, generation and change-log row in the write's transaction),
/// written through the group-commit <see cref="PostgresWriter"/>; reads take pooled connections.
/// </summary>
internal sealed partial class PostgresVectorStore(PostgresDatabase database, PostgresWriter writer, ILogger<PostgresVectorStore> logger) : IVectorStore
{
    public void EnsureServing() => database.Status.EnsureOpen();

    public Task<VectorWrite> UpsertAsync(string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at, Action<VectorWrite> applied, IdempotencyClaim? claim = null) =>
        writer.WriteAsync((connection, transaction) =>
        {
            // The key first: a taken key fails the write before anything of it is written.
            if (claim is not null)
            {
                IdempotencyStore.Claim(connection, transaction, claim, id);
            }

            return Upsert(connection, transaction, id, vector, meta, at);
        }, applied);

    public Task<VectorRemoval?> DeleteAsync(string id, DateTimeOffset at, Action<VectorRemoval> applied) =>
        writer.WriteAsync((connection, transaction) => Delete(connection, transaction, id, at), removal =>
        {
            if (removal is not null)
            {
                applied(removal);
            }
        });

    public Task DrainAsync() => writer.DrainAsync();

    /// <summary>Old row out, new row (new seq) in, generation bumped, inside the writer's transaction (which holds the generation lock).</summary>
    internal static VectorWrite Upsert(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at)
    {
        long? replacedSeq = null;
        FeatureVersion? replacedVersion = null;
        using (var delete = new NpgsqlCommand("DELETE FROM vectors WHERE id = @id RETURNING seq, feature_version;", connection, transaction))
        {
            delete.Parameters.AddWithValue("id", id);
            using var reader = delete.ExecuteReader();
            if (reader.Read())
            {
                replacedSeq = reader.GetInt64(0);
                replacedVersion = FeatureVersions.Parse(reader.GetString(1));
            }
        }

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
            insert.Parameters.AddWithValue("vector", SqliteVectorStore.Encode(vector.Values));
            insert.Parameters.AddNullable("material", NpgsqlDbType.Text, meta.GetValueOrDefault("material"));
            insert.Parameters.AddNullable("format", NpgsqlDbType.Text, meta.GetValueOrDefault("format"));
            insert.Parameters.AddNullable("label", NpgsqlDbType.Text, meta.GetValueOrDefault("label"));
            insert.Parameters.AddNullable("project_id", NpgsqlDbType.Text, meta.GetValueOrDefault("project_id"));
            insert.Parameters.AddWithValue("meta", JsonSerializer.Serialize(meta));
            insert.Parameters.AddWithValue("created_at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
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

    private static VectorRemoval? Delete(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, DateTimeOffset at)
    {
        long seq;
        string version;
        using (var delete = new NpgsqlCommand("DELETE FROM vectors WHERE id = @id RETURNING seq, feature_version;", connection, transaction))
        {
            delete.Parameters.AddWithValue("id", id);
            using var reader = delete.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            seq = reader.GetInt64(0);
            version = reader.GetString(1);
        }

        using (var remember = new NpgsqlCommand("""
            INSERT INTO vector_deletions (id, deleted_at) VALUES (@id, @at)
            ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at;
            """, connection, transaction))
        {
            remember.Parameters.AddWithValue("id", id);
            remember.Parameters.AddWithValue("at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            remember.ExecuteNonQuery();
        }

        var removed = FeatureVersions.Parse(version);
        var generation = PostgresVectorChangeLog.Append(connection, transaction, VectorChangeKind.Delete, id, seq, removed, null, null, at);
        return new VectorRemoval(id, seq, removed, generation);
    }

    public async Task<StoredVector?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SqliteVectorStore.Columns} FROM vectors WHERE id = @id;", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? SqliteVectorStore.Read(reader) : null;
    }

    public async Task<VectorPage> ListAsync(VectorFilter filter, int offset, int limit, CancellationToken cancellationToken)
    {
        // Rows of an earlier layout serve nothing until migrated; the migration preview lists them.
        var where = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"WHERE NOT (feature_version = 'v5' AND octet_length(vector) = {EarlierLayouts.V5BeforeStrokes * sizeof(double)})"));
        var parameters = new List<(string, string)>();
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
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand($"SELECT COUNT(*) FROM vectors {where};", connection, transaction))
        {
            foreach (var (name, value) in parameters)
            {
                count.Parameters.AddWithValue(name, value);
            }

            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        await using var page = new NpgsqlCommand($"SELECT {SqliteVectorStore.Columns} FROM vectors {where} ORDER BY seq LIMIT @limit OFFSET @offset;", connection, transaction);
        foreach (var (name, value) in parameters)
        {
            page.Parameters.AddWithValue(name, value);
        }

        page.Parameters.AddWithValue("limit", limit);
        page.Parameters.AddWithValue("offset", offset);
        var items = new List<StoredVector>();
        await using (var reader = await page.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(SqliteVectorStore.Read(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new VectorPage(items, total);
    }

    public async Task<long> GenerationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT value FROM store_counters WHERE name = 'vector_generation';", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async IAsyncEnumerable<StoredVector> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT {SqliteVectorStore.Columns} FROM vectors ORDER BY seq;", connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // As on SQLite: one damaged row is left out of the indexes and logged, never a stopped start.
            StoredVector stored;
            try
            {
                stored = SqliteVectorStore.Read(reader);
            }
            catch (Exception exception) when (exception is InvalidDataException or EarlierLayoutException)
            {
                // Earlier-layout rows are counted and reported once by the earlier-layout audit.
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
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var byVersion = await CountByAsync(connection, transaction, "feature_version", cancellationToken);
        var byFormat = await CountByAsync(connection, transaction, "format", cancellationToken);
        var byMaterial = await CountByAsync(connection, transaction, "material", cancellationToken);
        await using var generation = new NpgsqlCommand("SELECT value FROM store_counters WHERE name = 'vector_generation';", connection, transaction);
        var value = (long)(await generation.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new VectorStoreStats(byVersion.Values.Sum(), value, byVersion, byFormat, byMaterial);
    }

    private static async Task<SortedDictionary<string, long>> CountByAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string column, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT COALESCE({column}, 'unknown'), COUNT(*) FROM vectors GROUP BY 1;", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = counts.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
        }

        return counts;
    }
}
