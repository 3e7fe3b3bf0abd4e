using CadMl.Application.Common.Problems;

namespace CadMl.Application.Common.Idempotency;

/// <summary>The error codes of <c>Idempotency-Key</c> handling.</summary>
public static class IdempotencyProblems
{
    public const string KeyReused = "IDEMPOTENCY_KEY_REUSED";

    public const string KeyInProgress = "IDEMPOTENCY_KEY_IN_PROGRESS";

    public const string Stage = "idempotency";

    /// <summary>Names the key and when it was first used, never the body of either request.</summary>
    public static Problem Reused(IdempotencyRecord record) =>
        Problem.Invalid(KeyReused, Stage,
            "This Idempotency-Key was already used with a different request; use a new key for a different request.",
            new Dictionary<string, object?>
            {
                ["idempotency_key"] = record.Key,
                ["first_used_at"] = record.CreatedAt,
                ["expires_at"] = record.ExpiresAt,
            });

    /// <summary><c>retry_after_seconds</c> becomes the <c>Retry-After</c> header.</summary>
    public static Problem InProgress(string key, int retryAfterSeconds) =>
        Problem.Conflict(KeyInProgress, Stage,
            "A request with this Idempotency-Key is still running; retry after the time in Retry-After to receive its answer.",
            new Dictionary<string, object?> { ["idempotency_key"] = key, ["retry_after_seconds"] = retryAfterSeconds });
}
