using CadMl.Application.Fleet.Ports;
using CadMl.Infrastructure.Storage.Postgres;
using Npgsql;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// Heartbeat rows in the shared PostgreSQL store. A beat is written on its own connection, not
/// through the group-commit writer: it must not lock the generation counter row that orders vector
/// writes (it only reads it, which MVCC serves without waiting).
/// </summary>
internal sealed class PostgresReplicaHeartbeats(PostgresDatabase database) : IReplicaHeartbeats
{
    public async Task BeatAsync(ReplicaHeartbeat beat, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(HeartbeatRows.Upsert, connection);
        HeartbeatRows.Bind(command, beat);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ReplicaHeartbeatRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(HeartbeatRows.List, connection);
        return await HeartbeatRows.ReadAsync(command, cancellationToken);
    }
}
