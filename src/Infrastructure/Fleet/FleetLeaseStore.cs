using System.Data.Common;
using CadMl.Application.Common.Ports;
using CadMl.Domain.Fleet;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary>
/// <c>fleet_leases</c>: an acquisition is one upsert that only overwrites a row whose expiry has
/// passed, bumping its epoch; both backends serialise it on the row's primary key, so exactly one
/// of several replicas asking at once gets the lease. Times are epoch milliseconds.
/// </summary>
internal sealed class FleetLeaseStore(IStoreDatabase database) : IFleetLeaseStore
{
    public Task<LeaseAttempt> AcquireAsync(string name, string holder, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return database.WriteAsync<LeaseAttempt>((connection, transaction) =>
        {
            using (var take = StoreCommands.Create(connection, transaction, """
                INSERT INTO fleet_leases (name, holder, epoch, acquired_ms, expires_ms) VALUES (@name, @holder, 1, @now, @expires)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = fleet_leases.epoch + 1,
                    acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms
                WHERE fleet_leases.expires_ms <= excluded.acquired_ms
                RETURNING epoch;
                """, ("name", name), ("holder", holder), ("now", now.ToUnixTimeMilliseconds()), ("expires", expiresAt.ToUnixTimeMilliseconds())))
            {
                if (take.ExecuteScalar() is { } epoch)
                {
                    return new LeaseAttempt.Acquired(new FleetLease(name, holder, Convert.ToInt64(epoch, System.Globalization.CultureInfo.InvariantCulture), Ms(expiresAt)));
                }
            }

            using var read = StoreCommands.Create(connection, transaction,
                "SELECT holder, epoch, expires_ms FROM fleet_leases WHERE name = @name;", ("name", name));
            using var reader = read.ExecuteReader();
            reader.Read();
            return new LeaseAttempt.HeldByOther(new FleetLease(name, reader.GetString(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        });
    }

    public Task<FleetLease?> RenewAsync(FleetLease lease, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = StoreCommands.Create(connection, transaction, """
                UPDATE fleet_leases SET expires_ms = @expires
                WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_ms > @now;
                """,
                ("name", lease.Name), ("holder", lease.Holder), ("epoch", lease.Epoch), ("now", now.ToUnixTimeMilliseconds()), ("expires", expiresAt.ToUnixTimeMilliseconds()));
            return command.ExecuteNonQuery() == 1 ? lease with { ExpiresAt = Ms(expiresAt) } : null;
        });
    }

    public Task ReleaseAsync(FleetLease lease, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Expiry 0 frees the row but keeps its epoch, so the next holder's epoch is still higher.
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = StoreCommands.Create(connection, transaction,
                "UPDATE fleet_leases SET expires_ms = 0 WHERE name = @name AND holder = @holder AND epoch = @epoch;",
                ("name", lease.Name), ("holder", lease.Holder), ("epoch", lease.Epoch));
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>
    /// Inside a writing transaction: whether <paramref name="fence"/> is still the held lease at
    /// <paramref name="now"/>. With <paramref name="lockRow"/> (PostgreSQL) the row stays locked
    /// until the transaction ends, so no other replica can take the lease between this check and
    /// the commit; SQLite's write transaction already excludes every other writer.
    /// </summary>
    internal static bool IsCurrent(DbConnection connection, DbTransaction transaction, FleetLease fence, DateTimeOffset now, bool lockRow)
    {
        using var command = StoreCommands.Create(connection, transaction, $"""
            SELECT epoch FROM fleet_leases
            WHERE name = @name AND holder = @holder AND epoch = @epoch AND expires_ms > @now{(lockRow ? " FOR UPDATE" : string.Empty)};
            """, ("name", fence.Name), ("holder", fence.Holder), ("epoch", fence.Epoch), ("now", now.ToUnixTimeMilliseconds()));
        return command.ExecuteScalar() is not null;
    }

    private static DateTimeOffset Ms(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
