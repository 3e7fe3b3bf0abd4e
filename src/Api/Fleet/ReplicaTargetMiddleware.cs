using System.Text.Json;
using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Common.Problems;
using CadMl.Application.Fleet;
using CadMl.Application.Fleet.ResolveReplicaTarget;
using Mediator;
using Microsoft.AspNetCore.Http.Features;

namespace CadMl.Api.Fleet;

/// <summary>
/// Runs a <see cref="PerReplicaAttribute"/> operation where <c>?replica=</c> / <c>?scope=all</c> say
/// (the decision is <see cref="ResolveReplicaTargetQuery"/>'s): here, on one other replica by
/// forwarding (its answer as it gave it), or on every live replica (one result each; 200 when all
/// answered 2xx, else 502 <c>REPLICA_SCOPE_INCOMPLETE</c> with the same results in its context),
/// all at once or, for <see cref="PerReplicaAttribute.RollsAcrossReplicas"/>, one after another.
/// Every per-replica answer names the replica in <see cref="ReplicaHeader"/>. Runs after
/// <see cref="ApiKeyMiddleware"/>, so only authenticated callers reach the heartbeat table or a peer.
/// </summary>
public sealed class ReplicaTargetMiddleware(RequestDelegate next, ReplicaForwarder forwarder, ReplicaIdentity identity)
{
    public const string ReplicaParameter = "replica";
    public const string ScopeParameter = "scope";

    /// <summary>The replica that ran a per-replica operation.</summary>
    public const string ReplicaHeader = "X-Replica-Id";

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<PerReplicaAttribute>() is not { } perReplica)
        {
            await next(http);
            return;
        }

        var replicaParameter = Parameter(http, ReplicaParameter);
        var scopeParameter = Parameter(http, ScopeParameter);
        if (perReplica.AnswersHereWhenUntargeted && replicaParameter is null && scopeParameter is null)
        {
            http.Response.Headers[ReplicaHeader] = identity.Id;
            await next(http);
            return;
        }

        // Resolved here, not injected per call: every other request passes without creating a mediator.
        var sender = http.RequestServices.GetRequiredService<ISender>();
        var resolved = await sender.Send(
            new ResolveReplicaTargetQuery(replicaParameter, scopeParameter), http.RequestAborted);
        if (!resolved.IsSuccess)
        {
            await ProblemResponses.WriteAsync(http, resolved.ToProblem());
            return;
        }

        var target = resolved.Value;
        if (target.Kind == ReplicaTargetKind.Here)
        {
            http.Response.Headers[ReplicaHeader] = identity.Id;
            await next(http);
            return;
        }

        // One hop only: a forwarded request that lands on a replica it was not meant for (a stale or
        // wrong advertised URL) is refused rather than forwarded on, so two replicas cannot loop.
        if (http.Request.Headers.ContainsKey(ReplicaForwarder.ForwardedByHeader))
        {
            await ProblemResponses.WriteAsync(http, Unreachable(target.Replicas[0].ReplicaId, $"its advertised URL leads to replica '{identity.Id}'"));
            return;
        }

        var request = await ReadAsync(http);
        if (target.Kind == ReplicaTargetKind.One)
        {
            var answer = await forwarder.ForwardAsync(request, target.Replicas[0], identity.Id, http.RequestAborted);
            await WriteAsync(http, answer);
            return;
        }

        var answers = perReplica.RollsAcrossReplicas
            ? await RollAsync(http, request, target.Replicas)
            : await Task.WhenAll(target.Replicas.Select(replica => RunOnAsync(http, request, replica)));
        var results = answers.Select(Result).ToList();
        if (answers.All(answer => answer.Status is >= 200 and < 300))
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            await http.Response.WriteAsJsonAsync(new ScopeAllAnswer(ReplicaTarget.AllScope, results), JsonDefaults.Options, http.RequestAborted);
            return;
        }

        var failed = answers.Where(answer => answer.Status is < 200 or >= 300).Select(answer => answer.ReplicaId).ToList();
        await ProblemResponses.WriteAsync(http, new Problem(ErrorCodes.ReplicaScopeIncomplete, "forward",
            $"Not every replica succeeded: {string.Join(", ", failed)}; see context.replicas for each answer.",
            new Dictionary<string, object?> { ["failed"] = failed, ["replicas"] = results }));
    }

    private Task<ReplicaAnswer> RunOnAsync(HttpContext http, ReplicaRequest request, ReplicaEndpoint replica) =>
        replica.IsSelf ? RunHereAsync(http, request) : forwarder.ForwardAsync(request, replica, identity.Id, http.RequestAborted);

    /// <summary>In replica id order, each after the previous one answered (whatever it answered): the others still run.</summary>
    private async Task<ReplicaAnswer[]> RollAsync(HttpContext http, ReplicaRequest request, IReadOnlyList<ReplicaEndpoint> replicas)
    {
        var answers = new ReplicaAnswer[replicas.Count];
        for (var i = 0; i < replicas.Count; i++)
        {
            answers[i] = await RunOnAsync(http, request, replicas[i]);
        }

        return answers;
    }

    private static string? Parameter(HttpContext http, string name) =>
        http.Request.Query.TryGetValue(name, out var values) && values.ToString() is { Length: > 0 } value ? value : null;

    private static async Task<ReplicaRequest> ReadAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        return new ReplicaRequest(
            http.Request.Method,
            http.Request.PathBase.Add(http.Request.Path).ToUriComponent(),
            http.Request.QueryString,
            http.Request.ContentType,
            body.ToArray(),
            http.Request.Headers[ApiKeyMiddleware.ApiKeyHeader].ToString(),
            http.Request.Headers[ApiKeyMiddleware.AdminTokenHeader].ToString());
    }

    /// <summary>
    /// This replica's share of a fan-out: the rest of the pipeline, with the request body replayed and
    /// the answer captured, then the response put back as it was so the combined answer can be written.
    /// </summary>
    private async Task<ReplicaAnswer> RunHereAsync(HttpContext http, ReplicaRequest request)
    {
        var headersBefore = http.Response.Headers.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var originalBody = http.Response.Body;
        using var captured = new MemoryStream();
        http.Request.Body = new MemoryStream(request.Body);
        http.Response.Body = captured;
        try
        {
            await next(http);
            await http.Features.GetRequiredFeature<IHttpResponseBodyFeature>().CompleteAsync();
        }
        finally
        {
            http.Response.Body = originalBody;
        }

        var answer = new ReplicaAnswer(identity.Id, http.Response.StatusCode, http.Response.ContentType, captured.ToArray());
        foreach (var header in http.Response.Headers.Keys.Where(key => !headersBefore.Contains(key)).ToList())
        {
            http.Response.Headers.Remove(header);
        }

        return answer;
    }

    private static async Task WriteAsync(HttpContext http, ReplicaAnswer answer)
    {
        if (answer.Unreachable is { } reason)
        {
            await ProblemResponses.WriteAsync(http, Unreachable(answer.ReplicaId, reason));
            return;
        }

        http.Response.StatusCode = answer.Status;
        http.Response.Headers[ReplicaHeader] = answer.ReplicaId;
        if (answer.ContentType is not null)
        {
            http.Response.ContentType = answer.ContentType;
        }

        await http.Response.Body.WriteAsync(answer.Body, http.RequestAborted);
    }

    /// <summary>One replica's line in a fan-out answer: its status and its JSON body (a problem body when it gave none).</summary>
    private static ScopeAllResult Result(ReplicaAnswer answer)
    {
        if (answer.Unreachable is { } reason)
        {
            var problem = Unreachable(answer.ReplicaId, reason);
            return new ScopeAllResult(answer.ReplicaId, problem.Error.HttpStatus, JsonSerializer.SerializeToElement(
                new Dictionary<string, object?> { ["code"] = problem.Code, ["stage"] = problem.Stage, ["message"] = problem.Message, ["context"] = problem.Context },
                JsonDefaults.Options));
        }

        JsonElement? body = null;
        if (answer.Body.Length > 0)
        {
            try
            {
                body = JsonDocument.Parse(answer.Body).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON (a balancer's page, say): the status alone reports it.
            }
        }

        return new ScopeAllResult(answer.ReplicaId, answer.Status, body);
    }

    private static Problem Unreachable(string replica, string reason) =>
        new(ErrorCodes.ReplicaUnreachable, "forward", $"Replica '{replica}' cannot take this operation: {reason}.",
            new Dictionary<string, object?> { ["replica_id"] = replica, ["reason"] = reason });
}

/// <summary>The answer to <c>?scope=all</c>: one result per live replica, ordered by replica id.</summary>
public sealed record ScopeAllAnswer(string Scope, IReadOnlyList<ScopeAllResult> Replicas);

/// <summary>One replica's status code and JSON answer in a <c>?scope=all</c> fan-out.</summary>
public sealed record ScopeAllResult(string ReplicaId, int Status, JsonElement? Body);
