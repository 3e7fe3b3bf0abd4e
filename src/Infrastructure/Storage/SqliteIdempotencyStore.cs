using CadMl.Application.Common.Idempotency;
using Microsoft.Data.Sqlite;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// <c>Idempotency-Key</c> rows in the durable store. The claim is made by the guarded write itself
/// (<see cref="Claim"/> inside its savepoint); answers and purges go through the group-commit writer
/// like every other write, so a 2xx that carries a key is durable with its key.
/// </summary>
internal sealed class SqliteIdempotencyStore(SqliteDatabase database, SqliteWriter writer) : IIdempotencyStore
{
    /// <summary>
    /// Takes the key for <paramref name="resourceId"/> inside the caller's transaction, or throws
    /// <see cref="IdempotencyKeyTakenException"/> when an unexpired row holds it (the caller's savepoint
    /// then rolls back, and its write with it). An expired row is overwritten in place, so a purge
    /// that has not run yet never blocks a key. PostgreSQL takes the same statement.
    /// </summary>
    internal static void Claim(SqliteConnection connection, SqliteTransaction transaction, IdempotencyClaim claim, string resourceId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO idempotency_keys (scope, idem_key, request_hash, resource_id, created_ms, expires_ms, result_status, response)
            VALUES ($scope, $key, $hash, $resource, $created, $expires, NULL, NULL)
            ON CONFLICT (scope, idem_key) DO UPDATE SET
                request_hash = excluded.request_hash, resource_id = excluded.resource_id, created_ms = excluded.created_ms,
                expires_ms = excluded.expires_ms, result_status = NULL, response = NULL
            WHERE idempotency_keys.expires_ms <= excluded.created_ms;
            """;
        command.Parameters.AddWithValue("$scope", claim.Scope);
        command.Parameters.AddWithValue("$key", claim.Key);
        command.Parameters.AddWithValue("$hash", claim.RequestHash);
        command.Parameters.AddWithValue("$resource", resourceId);
        command.Parameters.AddWithValue("$created", claim.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$expires", claim.ExpiresAt.ToUnixTimeMilliseconds());
        if (command.ExecuteNonQuery() == 0)
        {
            throw new IdempotencyKeyTakenException();
        }
    }

    public async Task<IdempotencyRecord?> FindAsync(string scope, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT request_hash, resource_id, created_ms, expires_ms, result_status, response
            FROM idempotency_keys WHERE scope = $scope AND idem_key = $key AND expires_ms > $now;
            """;
        command.Parameters.AddWithValue("$scope", scope);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
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
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE idempotency_keys SET result_status = $status, response = $response
                WHERE scope = $scope AND idem_key = $key AND response IS NULL;
                """;
            command.Parameters.AddWithValue("$scope", scope);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$status", resultStatus);
            command.Parameters.AddWithValue("$response", response);
            return command.ExecuteNonQuery();
        });

    public Task<int> PurgeExpiredAsync(DateTimeOffset now, int limit) =>
        writer.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM idempotency_keys WHERE rowid IN
                    (SELECT rowid FROM idempotency_keys WHERE expires_ms <= $now LIMIT $limit);
                """;
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$limit", limit);
            return command.ExecuteNonQuery();
        });
}
