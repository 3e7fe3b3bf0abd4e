using CadMl.Infrastructure.Storage.Postgres;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>
/// Tells the index follower that other processes may have appended changes. Only a hint: the
/// follower reads the log after every ring and after every timeout alike, so a lost ring costs at
/// most one poll interval, never a change.
/// </summary>
internal interface IVectorChangeDoorbell : IAsyncDisposable
{
    /// <summary>Completes when rung (true) or after <paramref name="timeout"/> (false).</summary>
    Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>SQLite: this process is the only writer and applies its own writes, so only the poll runs.</summary>
internal sealed class PollOnlyDoorbell(TimeProvider time) : IVectorChangeDoorbell
{
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Task.Delay(timeout, time, cancellationToken);
        return false;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// PostgreSQL: LISTEN on <see cref="PostgresWriter.ChangesChannel"/> over one dedicated connection
/// (every vector-writing transaction NOTIFYs it, <see cref="PostgresWriter.LockGeneration"/>).
/// A broken connection (server restart, network) is dropped and reopened on the next wait; the
/// reopen counts as a ring, because notifications sent while nobody listened are lost and the
/// follower must re-read the log after every reconnect.
/// </summary>
internal sealed partial class PostgresChangeDoorbell(PostgresDatabase database, TimeProvider time, ILogger<PostgresChangeDoorbell> logger) : IVectorChangeDoorbell
{
    private NpgsqlConnection? _listening;

    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (_listening is null)
            {
                var connection = await database.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresWriter.ChangesChannel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                _listening = connection;
                return true;
            }

            return await _listening.WaitAsync((int)timeout.TotalMilliseconds, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogListenFailed(exception.Message);
            await DropAsync();
            // Not a hot loop while the server is down; the follower's read fails and retries likewise.
            await Task.Delay(timeout, time, cancellationToken);
            return false;
        }
    }

    public ValueTask DisposeAsync() => new(DropAsync());

    private async Task DropAsync()
    {
        if (_listening is { } connection)
        {
            _listening = null;
            await connection.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for vector changes failed ({Reason}); polling until the connection is back, then re-reading the log")]
    private partial void LogListenFailed(string reason);
}
