using System.Net.Sockets;
using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using Npgsql;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// A PostgreSQL store fails by being out of reach (server stopped, restarting, network gone, too
/// many connections) or by refusing a transaction it cannot order (serialisation, deadlock): each
/// is a 503 the caller may retry, and none marks the store damaged, because the server recovers on
/// its own and pooled connections reconnect. Constraint and syntax errors stay what they are (bugs,
/// a 500), never a 503 that would hide them.
/// </summary>
internal sealed class PostgresStoreFaults(PostgresDatabase database) : IStoreFaults
{
    public Problem? Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case StoreUnavailableException unavailable:
                    return unavailable.Problem;
                case PostgresException postgres when IsOutage(postgres.SqlState):
                    return Unavailable($"PostgreSQL refused the work ({postgres.SqlState}: {postgres.MessageText})", postgres.SqlState);
                case PostgresException:
                    return null;
                case NpgsqlException or SocketException or TimeoutException:
                    return Unavailable($"PostgreSQL at {database.Endpoint} cannot be reached ({current.GetType().Name}: {current.Message})", null);
            }
        }

        return null;
    }

    /// <summary>Connection exceptions (08), insufficient resources (53), operator intervention (57), serialisation and deadlock (40001, 40P01), read-only standby (25006).</summary>
    private static bool IsOutage(string state) =>
        state.StartsWith("08", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal)
        || state.StartsWith("57", StringComparison.Ordinal)
        || state is "40001" or "40P01" or "25006";

    private Problem Unavailable(string detail, string? sqlState) =>
        new(ErrorCodes.StoreUnavailable, "store", $"The durable store is unavailable: {detail}. Retry; the service reconnects by itself.",
            new Dictionary<string, object?> { ["backend"] = "postgres", ["endpoint"] = database.Endpoint, ["sql_state"] = sqlState });
}
