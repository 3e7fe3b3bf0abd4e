using CadMl.Application.Common.Problems;

namespace CadMl.Application.Common.Idempotency;

/// <summary>The two answers of <c>Idempotency-Key</c> handling that are not the first request's answer.</summary>
public static class IdempotencyProblems
{
    private const string Stage = "idempotency";

    /// <summary>Names the key and when it was first used, never the body of either request.</summary>
    public static Problem Reused(IdempotencyRecord record) =>
        new(ErrorCodes.IdempotencyKeyReused, Stage,
            "This Idempotency-Key was already used with a different request; use a new key for a different request.",
            new Dictionary<string, object?>
            {
                ["idempotency_key"] = record.Key,
                ["first_used_at"] = record.CreatedAt,
                ["expires_at"] = record.ExpiresAt,
            });

    /// <summary><c>retry_after_seconds</c> becomes the <c>Retry-After</c> header.</summary>
    public static Problem InProgress(string key, int retryAfterSeconds) =>
        new(ErrorCodes.IdempotencyKeyInProgress, Stage,
            "A request with this Idempotency-Key is still running; retry after the time in Retry-After to receive its answer.",
            new Dictionary<string, object?> { ["idempotency_key"] = key, ["retry_after_seconds"] = retryAfterSeconds });
}
