namespace CadMl.Application.Common.Idempotency;

/// <summary>
/// Remembered <c>Idempotency-Key</c>s. A key row is created only by the write it guards, inside that
/// write's transaction (<see cref="Analysis.Ports.IAnalysisStore.SaveAsync"/> and
/// <see cref="Vectors.Ports.IVectorStore.UpsertAsync"/> take an <see cref="IdempotencyClaim"/>), so a
/// key is taken exactly when its write is durable. On any store with unique keys and transactions
/// (SQLite, PostgreSQL) that claim is one conditional insert: "insert unless an unexpired row holds
/// the key", and the losing writer's transaction rolls back whole.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>The row for this key unless it expired at <paramref name="now"/> (an expired key is as good as absent).</summary>
    Task<IdempotencyRecord?> FindAsync(string scope, string key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Keeps the answer given for the key, durably, so a replay returns exactly that answer.</summary>
    Task RecordResponseAsync(string scope, string key, string resultStatus, string response);

    /// <summary>Deletes at most <paramref name="limit"/> keys that expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, int limit);
}

/// <summary>What happened to keyed requests; labels are fixed for dashboards.</summary>
public interface IIdempotencyMetrics
{
    /// <param name="outcome"><c>stored</c>, <c>replayed</c>, <c>key_reused</c> or <c>in_progress</c>.</param>
    void Request(string scope, string outcome);

    void Purged(int count);
}
