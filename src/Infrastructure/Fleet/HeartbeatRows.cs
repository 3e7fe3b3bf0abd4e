using System.Data.Common;
using CadMl.Application.Fleet.Ports;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// The heartbeat statements both backends run (the table is the same in both, schema steps 9 and 11):
/// an upsert that keeps <c>first_seen_ms</c> and computes the lag from the store's generation in
/// the same statement, and the listing.
/// </summary>
internal static class HeartbeatRows
{
    private const string UpsertStatement = """
        INSERT INTO replica_heartbeats (replica_id, version, track, model_sha256, applied_generation, lag, cache_settings_version, beat_ms, first_seen_ms, url)
        VALUES (@id, @version, @track, @model, @applied,
                (SELECT value FROM store_counters WHERE name = 'vector_generation') - @applied,
                @cache, @beat, @beat, @url)
        ON CONFLICT (replica_id) DO UPDATE SET
            version = excluded.version, track = excluded.track, model_sha256 = excluded.model_sha256,
            applied_generation = excluded.applied_generation, lag = excluded.lag,
            cache_settings_version = excluded.cache_settings_version, beat_ms = excluded.beat_ms, url = excluded.url;
        """;

    public const string List = """
        SELECT replica_id, version, track, model_sha256, applied_generation, lag, cache_settings_version, beat_ms, first_seen_ms, url
        FROM replica_heartbeats ORDER BY replica_id;
        """;

    public static DbCommand Upsert(DbConnection connection, DbTransaction? transaction, ReplicaHeartbeat beat) =>
        StoreCommands.Create(connection, transaction, UpsertStatement,
            ("id", beat.ReplicaId),
            ("version", beat.Version),
            ("track", beat.Track),
            ("model", beat.ModelSha256),
            ("applied", beat.AppliedGeneration),
            ("cache", beat.CacheSettingsVersion),
            ("beat", beat.At.ToUnixTimeMilliseconds()),
            ("url", beat.Url));

    public static async Task<IReadOnlyList<ReplicaHeartbeatRow>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<ReplicaHeartbeatRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var beat = new ReplicaHeartbeat(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetInt64(4),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(9) ? null : reader.GetString(9));
            rows.Add(new ReplicaHeartbeatRow(beat, reader.GetInt64(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return rows;
    }
}
