using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// Readiness follows the shared store: once the store has opened, a round trip every
/// <see cref="Interval"/> tells whether the server still answers. A failed round trip marks the
/// store unreachable (/ready 503 <c>STORE_UNAVAILABLE</c>, so the balancer stops sending traffic,
/// and every use case answers 503 at once instead of waiting for a connect timeout); the first
/// round trip that succeeds again restores the condition it had. Refusals and start-up failures
/// are left alone: they are decided by the initialiser, not by reachability.
/// </summary>
internal sealed partial class PostgresReachability(PostgresDatabase database, TimeProvider time, ILogger<PostgresReachability> logger) : BackgroundService
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>One check. Internal for tests.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var status = database.Status;
        if (status.Condition.State is not (StoreState.Open or StoreState.Unreachable))
        {
            return;
        }

        var failure = await database.PingAsync(cancellationToken);
        if (failure is null)
        {
            if (status.MarkReachable())
            {
                LogBack(database.Endpoint);
            }

            return;
        }

        if (status.MarkUnreachable($"PostgreSQL at {database.Endpoint} does not answer ({failure})",
                new Dictionary<string, object?> { ["backend"] = "postgres", ["endpoint"] = database.Endpoint }))
        {
            LogLost(database.Endpoint, failure);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The PostgreSQL store at {Endpoint} stopped answering ({Detail}); unready until it is back")]
    private partial void LogLost(string endpoint, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "The PostgreSQL store at {Endpoint} answers again; ready")]
    private partial void LogBack(string endpoint);
}
