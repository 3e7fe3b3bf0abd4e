using CadMl.Application.Common.Idempotency;
using Npgsql;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// <c>Idempotency-Key</c> rows in the PostgreSQL store, with SQLite's statements: the claim is one
/// conditional insert inside the guarded write's savepoint, so a key is taken exactly when its write
/// commits, and two processes racing for one key serialise on its primary key (the loser sees the
/// winner's row once the winner commits and fails its own write alone).
/// </summary>
internal sealed class PostgresIdempotencyStore(PostgresDatabase database, PostgresWriter writer) : IIdempotencyStore
{
    /// <summary>Takes the key for <paramref name="resourceId"/> or throws <see cref="IdempotencyKeyTakenException"/>; an expired row is overwritten in place.</summary>
    internal static void Claim(NpgsqlConnection connection, NpgsqlTransaction transaction, IdempotencyClaim claim, string resourceId)
    {
        using var command = new NpgsqlCommand("""
            INSERT INTO idempotency_keys (scope, idem_key, request_hash, resource_id, created_ms, expires_ms, result_status, response)
            VALUES (@scope, @key, @hash, @resource, @created, @expires, NULL, NULL)
            ON CONFLICT (scope, idem_key) DO UPDATE SET
                request_hash = excluded.request_hash, resource_id = excluded.resource_id, created_ms = excluded.created_ms,
                expires_ms = excluded.expires_ms, result_status = NULL, response = NULL
            WHERE idempotency_keys.expires_ms <= excluded.created_ms;
            """, connection, transaction);
        command.Parameters.AddWithValue("scope", claim.Scope);
        command.Parameters.AddWithValue("key", claim.Key);
        command.Parameters.AddWithValue("hash", claim.RequestHash);
        command.Parameters.AddWithValue("resource", resourceId);
        command.Parameters.AddWithValue("created", claim.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("expires", claim.ExpiresAt.ToUnixTimeMilliseconds());
        if (command.ExecuteNonQuery() == 0)
        {
            throw new IdempotencyKeyTakenException();
        }
    }

    public async Task<IdempotencyRecord?> FindAsync(string scope, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT request_hash, resource_id, created_ms, expires_ms, result_status, response
            FROM idempotency_keys WHERE scope = @scope AND idem_key = @key AND expires_ms > @now;
            """, connection);
        command.Parameters.AddWithValue("scope", scope);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
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
        writer.WriteAsync((connection, transaction) =>
        {
            using var command = new NpgsqlCommand("""
                UPDATE idempotency_keys SET result_status = @status, response = @response
                WHERE scope = @scope AND idem_key = @key AND response IS NULL;
                """, connection, transaction);
            command.Parameters.AddWithValue("scope", scope);
            command.Parameters.AddWithValue("key", key);
            command.Parameters.AddWithValue("status", resultStatus);
            command.Parameters.AddWithValue("response", response);
            return command.ExecuteNonQuery();
        });

    public Task<int> PurgeExpiredAsync(DateTimeOffset now, int limit) =>
        writer.WriteAsync((connection, transaction) =>
        {
            using var command = new NpgsqlCommand("""
                DELETE FROM idempotency_keys WHERE ctid IN
                    (SELECT ctid FROM idempotency_keys WHERE expires_ms <= @now LIMIT @limit);
                """, connection, transaction);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("limit", limit);
            return command.ExecuteNonQuery();
        });
}
