using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Group commit for the durable store (any ADO.NET backend with savepoints: SQLite, PostgreSQL).
/// Every request-path write is queued here; one loop drains
/// whatever has queued up, runs each write in its own savepoint of ONE transaction, commits it with
/// one fsync and only then runs each write's <c>committed</c> step in
/// queue order and releases its caller. So a caller's task completes only once its write is on
/// disk (a 2xx still means durable), concurrent requests share the fsync instead of queueing for
/// the write lock one by one, and index updates happen in exactly the order the store applied the
/// writes. A failing write rolls back to its savepoint and fails alone; a failing commit fails the
/// whole batch (nothing in it was acknowledged), and the next batch opens a fresh connection, so a
/// restarted database server is picked up without a restart of this process.
/// </summary>
public abstract class GroupCommitWriter<TConnection, TTransaction> : IAsyncDisposable, IDisposable
    where TConnection : DbConnection
    where TTransaction : DbTransaction
{
    /// <summary>Bounds one transaction, so a long queue still commits (and answers) in steps.</summary>
    private const int MaxBatch = 512;

    private readonly ILogger _logger;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private TConnection? _connection;
    private long _commits;
    private long _writes;

    protected GroupCommitWriter(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far (each is one fsync).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Writes committed so far; <c>Writes / Commits</c> is the mean batch size.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>
    /// Queues <paramref name="work"/>; its place in the order is fixed when this method returns
    /// (before the first await of the caller). The task completes after the commit and after
    /// <paramref name="committed"/> ran. Not cancellable: once queued, a write happens.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<TConnection, TTransaction, T> work, Action<T>? committed = null)
    {
        var write = new Write<T>(work, committed);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(GetType().Name, "The durable store is shutting down; nothing more is written.");
        }

        return write.Task;
    }

    /// <summary>Completes once every write queued before it is committed and its committed step ran.</summary>
    public Task DrainAsync() => WriteAsync<bool>((_, _) => true);

    private async Task RunAsync()
    {
        var batch = new List<Write>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            Commit(batch);
            batch.Clear();
        }
    }

    private void Commit(List<Write> batch)
    {
        var done = new List<Write>(batch.Count);
        TConnection connection;
        try
        {
            connection = _connection ??= Open();
            using var transaction = (TTransaction)connection.BeginTransaction();
            BeginBatch(connection, transaction);
            foreach (var write in batch)
            {
                transaction.Save("w");
                try
                {
                    write.Run(connection, transaction);
                    transaction.Release("w");
                    done.Add(write);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    transaction.Rollback("w");
                    write.Fail(exception);
                }
            }

            transaction.Commit();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            GroupCommitLog.CommitFailed(_logger, exception, batch.Count);
            foreach (var write in batch.Where(w => !w.Finished))
            {
                write.Fail(exception);
            }

            // The connection may be in any state after a failed commit; the next batch opens afresh.
            _connection?.Dispose();
            _connection = null;
            return;
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, done.Count);
        foreach (var write in done)
        {
            write.Committed();
        }

        AfterCommit(connection);
    }

    /// <summary>Opens the writer's own connection, ready for a transaction.</summary>
    protected abstract TConnection Open();

    /// <summary>Runs first in every batch's transaction, before any write (a backend's ordering lock).</summary>
    protected virtual void BeginBatch(TConnection connection, TTransaction transaction)
    {
    }

    /// <summary>
    /// Runs on the writer's connection after a batch committed and its callers were released, with
    /// no transaction open and before the next batch begins: the one moment no write is in flight.
    /// Must not throw.
    /// </summary>
    protected virtual void AfterCommit(TConnection connection)
    {
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        _connection?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// For containers disposed synchronously (test hosts do): a singleton that only had DisposeAsync
    /// would make that disposal throw. Waits for the queued writes to commit, as DisposeAsync does.
    /// </summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
        _connection?.Dispose();
        GC.SuppressFinalize(this);
    }

    private abstract class Write
    {
        public bool Finished { get; protected set; }

        public abstract void Run(TConnection connection, TTransaction transaction);

        public abstract void Committed();

        public abstract void Fail(Exception exception);
    }

    private sealed class Write<T>(Func<TConnection, TTransaction, T> work, Action<T>? committed) : Write
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override void Run(TConnection connection, TTransaction transaction) => _result = work(connection, transaction);

        public override void Committed()
        {
            Finished = true;
            try
            {
                committed?.Invoke(_result);
                _completion.SetResult(_result);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Durable but not applied in memory: the caller must hear it (a 500), never a silent 2xx.
                _completion.SetException(exception);
            }
        }

        public override void Fail(Exception exception)
        {
            Finished = true;
            _completion.TrySetException(exception);
        }
    }
}

internal static partial class GroupCommitLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "A group commit of {Count} writes failed; none of them was acknowledged")]
    public static partial void CommitFailed(ILogger logger, Exception exception, int count);
}
