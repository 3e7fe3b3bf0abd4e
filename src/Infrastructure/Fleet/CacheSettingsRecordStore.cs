using System.Data.Common;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Caching;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// The fleet's cache settings record: one row of <c>cache_settings</c>. A change is one statement
/// that succeeds only on the version it was decided on (an insert that does nothing when a row
/// exists, or an update guarded by the version), so two replicas committing at once cannot both
/// succeed on either backend. Times are epoch milliseconds, like the other control rows.
/// </summary>
internal sealed class CacheSettingsRecordStore(IStoreDatabase database) : ICacheSettingsStore
{
    private const string Columns = """
        version, configured_capacity, configured_ttl_seconds, capacity, ttl_seconds,
        previous_capacity, previous_ttl_seconds, applied_capacity, applied_ttl_seconds, applied_ms, rollback_until_ms,
        changed_by, changed_ms
        """;

    public async Task<CacheSettingsRecord?> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, $"SELECT {Columns} FROM cache_settings WHERE singleton = 1;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public Task<CacheSettingsRecord?> ReplaceAsync(
        long expectedVersion, PersistedCacheSettings next, string changedBy, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var snapshot = next.History.Snapshot;
        var record = new CacheSettingsRecord(expectedVersion + 1, next, changedBy, DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()));
        (string, object?)[] values =
        [
            ("expected", expectedVersion),
            ("version", expectedVersion + 1),
            ("configured_capacity", (long)next.Configured.Capacity),
            ("configured_ttl", (long)next.Configured.TtlSeconds),
            ("capacity", (long)next.History.Current.Capacity),
            ("ttl", (long)next.History.Current.TtlSeconds),
            ("previous_capacity", (long?)snapshot?.Previous.Capacity),
            ("previous_ttl", (long?)snapshot?.Previous.TtlSeconds),
            ("applied_capacity", (long?)snapshot?.Applied.Capacity),
            ("applied_ttl", (long?)snapshot?.Applied.TtlSeconds),
            ("applied_ms", snapshot?.AppliedAt.ToUnixTimeMilliseconds()),
            ("until_ms", snapshot?.CanRollbackUntil.ToUnixTimeMilliseconds()),
            ("changed_by", changedBy),
            ("changed_ms", at.ToUnixTimeMilliseconds()),
        ];
        var sql = expectedVersion == 0
            ? $"""
                INSERT INTO cache_settings (singleton, {Columns})
                VALUES (1, @version, @configured_capacity, @configured_ttl, @capacity, @ttl,
                        @previous_capacity, @previous_ttl, @applied_capacity, @applied_ttl, @applied_ms, @until_ms, @changed_by, @changed_ms)
                ON CONFLICT (singleton) DO NOTHING;
                """
            : """
                UPDATE cache_settings SET version = @version,
                    configured_capacity = @configured_capacity, configured_ttl_seconds = @configured_ttl,
                    capacity = @capacity, ttl_seconds = @ttl,
                    previous_capacity = @previous_capacity, previous_ttl_seconds = @previous_ttl,
                    applied_capacity = @applied_capacity, applied_ttl_seconds = @applied_ttl,
                    applied_ms = @applied_ms, rollback_until_ms = @until_ms,
                    changed_by = @changed_by, changed_ms = @changed_ms
                WHERE singleton = 1 AND version = @expected;
                """;
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = StoreCommands.Create(connection, transaction, sql, values);
            return command.ExecuteNonQuery() == 1 ? record : null;
        });
    }

    private static CacheSettingsRecord Read(DbDataReader reader)
    {
        var snapshot = reader.IsDBNull(5)
            ? null
            : new CacheSettingsSnapshot(
                Settings(reader, 5),
                Settings(reader, 7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)));
        return new CacheSettingsRecord(
            reader.GetInt64(0),
            new PersistedCacheSettings(Settings(reader, 1), new CacheSettingsHistory(Settings(reader, 3), snapshot)),
            reader.GetString(11),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)));
    }

    private static CacheSettings Settings(DbDataReader reader, int ordinal) =>
        new(checked((int)reader.GetInt64(ordinal)), checked((int)reader.GetInt64(ordinal + 1)));
}
