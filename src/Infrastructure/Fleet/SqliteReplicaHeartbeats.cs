using CadMl.Application.Fleet.Ports;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary>Heartbeat rows in the SQLite store: written through the one group-commit writer, like every other write.</summary>
internal sealed class SqliteReplicaHeartbeats(SqliteDatabase database, SqliteWriter writer) : IReplicaHeartbeats
{
    public Task BeatAsync(ReplicaHeartbeat beat, CancellationToken cancellationToken) =>
        writer.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = HeartbeatRows.Upsert;
            HeartbeatRows.Bind(command, beat);
            return command.ExecuteNonQuery();
        });

    public async Task<IReadOnlyList<ReplicaHeartbeatRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = HeartbeatRows.List;
        return await HeartbeatRows.ReadAsync(command, cancellationToken);
    }
}
