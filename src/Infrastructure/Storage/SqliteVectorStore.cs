using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Vectors in the durable store. Values are kept as float64 little-endian blobs (what the
/// caller sent, bit for bit); the indexes derive normalised float32 copies. Every write, its
/// generation bump and its change-log row share one transaction, so neither the generation nor
/// the log ever runs ahead of or behind the data.
/// Writes go through the group-commit <see cref="SqliteWriter"/>; reads open their own connection.
/// </summary>
internal sealed partial class SqliteVectorStore(SqliteDatabase database, SqliteWriter writer, ILogger<SqliteVectorStore> logger) : IVectorStore
{
    internal const string Columns = "seq, id, feature_version, vector, meta, created_at";

    public void EnsureServing() => database.EnsureOpen();

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

    /// <summary>
    /// Old row out, new row (new seq) in, generation bumped, inside the caller's transaction (the
    /// writer's IMMEDIATE one, so no other writer can slip in between the read and the write).
    /// </summary>
    internal static VectorWrite Upsert(SqliteConnection connection, SqliteTransaction transaction, string id, FeatureVector vector, IReadOnlyDictionary<string, string> meta, DateTimeOffset at)
    {
        long? replacedSeq = null;
        FeatureVersion? replacedVersion = null;
        using (var find = Command(connection, transaction, "SELECT seq, feature_version FROM vectors WHERE id = $id;"))
        {
            find.Parameters.AddWithValue("$id", id);
            using var reader = find.ExecuteReader();
            if (reader.Read())
            {
                replacedSeq = reader.GetInt64(0);
                replacedVersion = FeatureVersions.Parse(reader.GetString(1));
            }
        }

        if (replacedSeq is not null)
        {
            using var delete = Command(connection, transaction, "DELETE FROM vectors WHERE seq = $seq;");
            delete.Parameters.AddWithValue("$seq", replacedSeq.Value);
            delete.ExecuteNonQuery();
        }

        long seq;
        using (var insert = Command(connection, transaction, """
            INSERT INTO vectors (id, feature_version, vector, material, format, label, project_id, meta, created_at)
            VALUES ($id, $version, $vector, $material, $format, $label, $project_id, $meta, $created_at)
            RETURNING seq;
            """))
        {
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$version", vector.Version.Name());
            insert.Parameters.AddWithValue("$vector", Encode(vector.Values));
            insert.Parameters.AddWithValue("$material", (object?)meta.GetValueOrDefault("material") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$format", (object?)meta.GetValueOrDefault("format") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$label", (object?)meta.GetValueOrDefault("label") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$project_id", (object?)meta.GetValueOrDefault("project_id") ?? DBNull.Value);
            insert.Parameters.AddWithValue("$meta", JsonSerializer.Serialize(meta));
            insert.Parameters.AddWithValue("$created_at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            seq = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        // A vector written again is no longer a deliberate deletion the orphan sweep must respect.
        using (var undelete = Command(connection, transaction, "DELETE FROM vector_deletions WHERE id = $id;"))
        {
            undelete.Parameters.AddWithValue("$id", id);
            undelete.ExecuteNonQuery();
        }

        var generation = SqliteVectorChangeLog.Append(connection, transaction, VectorChangeKind.Insert, id, seq, vector.Version, replacedSeq, replacedVersion, at);
        var stored = new StoredVector(seq, id, vector, new Dictionary<string, string>(meta, StringComparer.Ordinal), at);
        return new VectorWrite(stored, replacedSeq, replacedVersion, generation);
    }

    private static VectorRemoval? Delete(SqliteConnection connection, SqliteTransaction transaction, string id, DateTimeOffset at)
    {
        long seq;
        string version;
        using (var delete = Command(connection, transaction, "DELETE FROM vectors WHERE id = $id RETURNING seq, feature_version;"))
        {
            delete.Parameters.AddWithValue("$id", id);
            using var reader = delete.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            seq = reader.GetInt64(0);
            version = reader.GetString(1);
        }

        using (var remember = Command(connection, transaction, "INSERT OR REPLACE INTO vector_deletions (id, deleted_at) VALUES ($id, $at);"))
        {
            remember.Parameters.AddWithValue("$id", id);
            remember.Parameters.AddWithValue("$at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            remember.ExecuteNonQuery();
        }

        var removed = FeatureVersions.Parse(version);
        var generation = SqliteVectorChangeLog.Append(connection, transaction, VectorChangeKind.Delete, id, seq, removed, null, null, at);
        return new VectorRemoval(id, seq, removed, generation);
    }

    public async Task<StoredVector?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM vectors WHERE id = $id;");
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<VectorPage> ListAsync(VectorFilter filter, int offset, int limit, CancellationToken cancellationToken)
    {
        // Rows of an earlier layout serve nothing until migrated; the migration preview lists them.
        var where = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"WHERE NOT (feature_version = 'v5' AND length(vector) = {EarlierLayouts.V5BeforeStrokes * sizeof(double)})"));
        var parameters = new List<(string, object)>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                where.Append(CultureInfo.InvariantCulture, $" AND {column} = ${column}");
                parameters.Add(($"${column}", value));
            }
        }

        Equal("material", filter.Material);
        Equal("format", filter.Format);
        Equal("feature_version", filter.FeatureVersion);
        Equal("label", filter.Label);
        Equal("project_id", filter.ProjectId);

        await using var connection = await database.OpenAsync(cancellationToken);
        long total;
        await using (var count = Command(connection, null, $"SELECT COUNT(*) FROM vectors {where};"))
        {
            foreach (var (name, value) in parameters)
            {
                count.Parameters.AddWithValue(name, value);
            }

            total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        await using var page = Command(connection, null, $"SELECT {Columns} FROM vectors {where} ORDER BY seq LIMIT $limit OFFSET $offset;");
        foreach (var (name, value) in parameters)
        {
            page.Parameters.AddWithValue(name, value);
        }

        page.Parameters.AddWithValue("$limit", limit);
        page.Parameters.AddWithValue("$offset", offset);
        var items = new List<StoredVector>();
        await using var reader = await page.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }

        return new VectorPage(items, total);
    }

    public async Task<long> GenerationAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT value FROM store_counters WHERE name = 'vector_generation';");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async IAsyncEnumerable<StoredVector> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM vectors ORDER BY seq;");
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
                stored = Read(reader);
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
        // One read transaction: the counts and the generation describe the same moment.
        await using var transaction = connection.BeginTransaction(deferred: true);
        var byVersion = await CountByAsync(connection, transaction, "feature_version", cancellationToken);
        var byFormat = await CountByAsync(connection, transaction, "format", cancellationToken);
        var byMaterial = await CountByAsync(connection, transaction, "material", cancellationToken);
        await using var generation = Command(connection, transaction, "SELECT value FROM store_counters WHERE name = 'vector_generation';");
        var value = Convert.ToInt64(await generation.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        return new VectorStoreStats(byVersion.Values.Sum(), value, byVersion, byFormat, byMaterial);
    }

    private static async Task<SortedDictionary<string, long>> CountByAsync(SqliteConnection connection, SqliteTransaction transaction, string column, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT COALESCE({column}, 'unknown'), COUNT(*) FROM vectors GROUP BY 1;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = counts.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
        }

        return counts;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>A row of <c>vectors</c> (columns as <see cref="Columns"/>); the same on every backend.</summary>
    internal static StoredVector Read(DbDataReader row)
    {
        var version = FeatureVersions.Parse(row.GetString(2));
        var values = Decode((byte[])row.GetValue(3));
        var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString(4)) ?? [];
        if (!FeatureVector.TryCreate(version, values, out var vector))
        {
            throw EarlierLayouts.IsEarlier(version, values.Length)
                ? new EarlierLayoutException(row.GetString(1), version, values.Length, CadFormats.FromName(meta.GetValueOrDefault("format")))
                : new InvalidDataException($"Stored vector {row.GetString(1)} has {values.Length} values for {version.Name()}.");
        }

        return new StoredVector(
            row.GetInt64(0),
            row.GetString(1),
            vector!,
            meta,
            DateTimeOffset.Parse(row.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    /// <summary>The stored form of a vector: float64 little-endian, bit for bit what the caller sent.</summary>
    internal static byte[] Encode(IReadOnlyList<double> values)
    {
        var doubles = values.ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The vector blob format is little-endian.");
        }

        return MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray();
    }

    internal static double[] Decode(byte[] blob) => MemoryMarshal.Cast<byte, double>(blob).ToArray();
}
