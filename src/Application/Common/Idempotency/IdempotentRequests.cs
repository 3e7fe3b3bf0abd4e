using System.Collections.Concurrent;
using System.Text.Json;
using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Common.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> rule for a write use case. The same key with the same request answers
/// the first answer again (status and body) without writing; the same key with another request is
/// 422 <c>IDEMPOTENCY_KEY_REUSED</c>. Only a successful write takes a key (its row commits with the
/// write), so a refused request may be retried with its key. Two requests with one key at once: the
/// second is told 409 <c>IDEMPOTENCY_KEY_IN_PROGRESS</c> with <c>Retry-After</c> instead of waiting
/// (holding a connection and an upload for the length of someone else's parse), and its retry
/// replays the first one's answer. Across processes the claim in the write's transaction decides:
/// the loser's write rolls back and it answers like a retry.
/// </summary>
internal sealed class IdempotentRequests(
    IIdempotencyStore store,
    IIdempotencyMetrics metrics,
    IOptions<IdempotencyOptions> options,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Scope, string Key), byte> _running = new();

    /// <param name="write">Does the work, inserting the claim it is given in its write's transaction.</param>
    /// <param name="rebuild">The answer from the stored resource, for a key whose answer was never recorded (a crash between the two commits).</param>
    public async Task<Result<T>> RunAsync<T>(
        IdempotentRequest request,
        Func<IdempotencyClaim, Task<Result<T>>> write,
        Func<string, Task<Result<T>>> rebuild,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!_running.TryAdd((request.Scope, request.Key), 0))
        {
            metrics.Request(request.Scope, "in_progress");
            return IdempotencyProblems.InProgress(request.Key, settings.RetryAfterSeconds).ToResult<T>();
        }

        try
        {
            var now = time.GetUtcNow();
            if (await store.FindAsync(request.Scope, request.Key, now, cancellationToken) is { } earlier)
            {
                return await AnswerAgainAsync(request, earlier, rebuild);
            }

            Result<T> result;
            try
            {
                result = await write(new IdempotencyClaim(request.Scope, request.Key, request.RequestHash, now, now + settings.KeyTtl));
            }
            catch (IdempotencyKeyTakenException)
            {
                // Another process committed this key first; its answer is this request's answer.
                var winner = await store.FindAsync(request.Scope, request.Key, time.GetUtcNow(), CancellationToken.None);
                if (winner is null)
                {
                    metrics.Request(request.Scope, "in_progress");
                    return IdempotencyProblems.InProgress(request.Key, settings.RetryAfterSeconds).ToResult<T>();
                }

                return await AnswerAgainAsync(request, winner, rebuild);
            }

            if (result.IsSuccess)
            {
                // Once the write committed the key is taken whatever happens here; a lost answer is rebuilt on replay.
                await store.RecordResponseAsync(request.Scope, request.Key, result.Status.ToString(),
                    JsonSerializer.Serialize(result.Value, WireJson.Options));
                metrics.Request(request.Scope, "stored");
            }

            return result;
        }
        finally
        {
            _running.TryRemove((request.Scope, request.Key), out _);
        }
    }

    private async Task<Result<T>> AnswerAgainAsync<T>(IdempotentRequest request, IdempotencyRecord earlier, Func<string, Task<Result<T>>> rebuild)
    {
        if (!string.Equals(earlier.RequestHash, request.RequestHash, StringComparison.Ordinal))
        {
            metrics.Request(request.Scope, "key_reused");
            return IdempotencyProblems.Reused(earlier).ToResult<T>();
        }

        metrics.Request(request.Scope, "replayed");
        if (earlier.Response is null || !Enum.TryParse<ResultStatus>(earlier.ResultStatus, out var status))
        {
            return await rebuild(earlier.ResourceId);
        }

        var value = JsonSerializer.Deserialize<T>(earlier.Response, WireJson.Options)!;
        return status == ResultStatus.Created ? Result.Created(value) : Result.Success(value);
    }
}
