using System.Data.Common;
using CadMl.Application.Common.Idempotency;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// <c>Idempotency-Key</c> rows in the durable store, one adapter for both backends (the table and
/// statements are the same). The claim is made by the guarded write itself (<see cref="Claim"/>
/// inside its savepoint), so a key is taken exactly when its write commits; answers and purges go
/// through the group-commit writer like every other write, so a 2xx that carries a key is durable
/// with its key. On PostgreSQL two processes racing for one key serialise on its primary key: the
/// loser sees the winner's row once the winner commits and fails its own write alone.
/// </summary>
internal sealed class IdempotencyStore(IStoreDatabase database) : IIdempotencyStore
{
    /// <summary>
    /// Takes the key for <paramref name="resourceId"/> inside the caller's transaction, or throws
    /// <see cref="IdempotencyKeyTakenException"/> when an unexpired row holds it (the caller's savepoint
    /// then rolls back, and its write with it). An expired row is overwritten in place, so a purge
    /// that has not run yet never blocks a key.
    /// </summary>
    internal static void Claim(DbConnection connection, DbTransaction transaction, IdempotencyClaim claim, string resourceId)
    {
        using var command = StoreCommands.Create(connection, transaction, """
            INSERT INTO idempotency_keys (scope, idem_key, request_hash, resource_id, created_ms, expires_ms, result_status, response)
            VALUES (@scope, @key, @hash, @resource, @created, @expires, NULL, NULL)
            ON CONFLICT (scope, idem_key) DO UPDATE SET
                request_hash = excluded.request_hash, resource_id = excluded.resource_id, created_ms = excluded.created_ms,
                expires_ms = excluded.expires_ms, result_status = NULL, response = NULL
            WHERE idempotency_keys.expires_ms <= excluded.created_ms;
            """,
            ("scope", claim.Scope),
            ("key", claim.Key),
            ("hash", claim.RequestHash),
            ("resource", resourceId),
            ("created", claim.CreatedAt.ToUnixTimeMilliseconds()),
            ("expires", claim.ExpiresAt.ToUnixTimeMilliseconds()));
        if (command.ExecuteNonQuery() == 0)
        {
            throw new IdempotencyKeyTakenException();
        }
    }

    public async Task<IdempotencyRecord?> FindAsync(string scope, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, """
            SELECT request_hash, resource_id, created_ms, expires_ms, result_status, response
            FROM idempotency_keys WHERE scope = @scope AND idem_key = @key AND expires_ms > @now;
            """,
            ("scope", scope),
            ("key", key),
            ("now", now.ToUnixTimeMilliseconds()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new IdempotencyRecord(
            scope,
            key,
            reader.GetString(0),
            reader.GetString(1),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    public Task RecordResponseAsync(string scope, string key, string resultStatus, string response) =>
        database.WriteAsync((connection, transaction) =>
        {
            using var command = StoreCommands.Create(connection, transaction, """
                UPDATE idempotency_keys SET result_status = @status, response = @response
                WHERE scope = @scope AND idem_key = @key AND response IS NULL;
                """,
                ("scope", scope),
                ("key", key),
                ("status", resultStatus),
                ("response", response));
            return command.ExecuteNonQuery();
        });

    /// <summary>At most <paramref name="limit"/> expired rows a call, so one purge never holds the writer long.</summary>
    public Task<int> PurgeExpiredAsync(DateTimeOffset now, int limit) =>
        database.WriteAsync((connection, transaction) =>
        {
            // Rows named by their primary key (a row value), which both backends index and accept.
            using var command = StoreCommands.Create(connection, transaction, """
                DELETE FROM idempotency_keys WHERE (scope, idem_key) IN
                    (SELECT scope, idem_key FROM idempotency_keys WHERE expires_ms <= @now LIMIT @limit);
                """,
                ("now", now.ToUnixTimeMilliseconds()),
                ("limit", limit));
            return command.ExecuteNonQuery();
        });
}
