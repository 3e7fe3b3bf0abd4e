using CadMl.Application.Fleet.Ports;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// Heartbeat rows in the durable store, one adapter for both backends. A beat is an unordered
/// write (<see cref="IStoreDatabase.WriteUnorderedAsync"/>): on PostgreSQL it must not lock the
/// generation counter row that orders vector writes, only read it.
/// </summary>
internal sealed class ReplicaHeartbeats(IStoreDatabase database) : IReplicaHeartbeats
{
    public Task BeatAsync(ReplicaHeartbeat beat, CancellationToken cancellationToken) =>
        database.WriteUnorderedAsync((connection, transaction) => HeartbeatRows.Upsert(connection, transaction, beat), cancellationToken);

    public async Task<IReadOnlyList<ReplicaHeartbeatRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null, HeartbeatRows.List);
        return await HeartbeatRows.ReadAsync(command, cancellationToken);
    }
}
