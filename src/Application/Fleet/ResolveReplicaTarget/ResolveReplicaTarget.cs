using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Application.Fleet.Ports;
using CadMl.Domain.Fleet;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Fleet.ResolveReplicaTarget;

/// <summary>
/// Which replica (or replicas) an admin operation that acts on one process (degrade drill, manual
/// recover, opcode audit) is for: <c>?replica=&lt;id&gt;</c>, <c>?scope=all</c>, or neither. Behind a
/// balancer "the process that received it" is a random replica, so in a fleet (PostgreSQL store)
/// neither is refused with the list of live replicas; the single-node SQLite default runs it here
/// as it always did. Forwarding goes only to URLs replicas wrote into their own heartbeat rows.
/// </summary>
public sealed record ResolveReplicaTargetQuery(string? Replica, string? Scope) : IUseCaseQuery<ReplicaTarget>;

internal sealed class ResolveReplicaTargetHandler(
    IReplicaHeartbeats heartbeats,
    ReplicaIdentity identity,
    IOptions<DataOptions> data,
    IOptions<ReplicaOptions> replica,
    TimeProvider time)
    : IQueryHandler<ResolveReplicaTargetQuery, Result<ReplicaTarget>>
{
    private const string Stage = "replica_target";

    public async ValueTask<Result<ReplicaTarget>> Handle(ResolveReplicaTargetQuery query, CancellationToken cancellationToken)
    {
        if (query.Scope is not null && query.Scope != ReplicaTarget.AllScope)
        {
            return Refuse(ErrorCodes.ReplicaRequired, $"scope takes only '{ReplicaTarget.AllScope}'.", await LiveAsync(cancellationToken));
        }

        if (query.Scope is not null && query.Replica is not null)
        {
            return Refuse(ErrorCodes.ReplicaRequired, "Give either replica or scope=all, not both.", await LiveAsync(cancellationToken));
        }

        if (query.Scope is null && query.Replica is null)
        {
            return data.Value.UsesPostgres
                ? Refuse(ErrorCodes.ReplicaRequired,
                    "This operation acts on one replica; name it with ?replica=<id>, or use ?scope=all.", await LiveAsync(cancellationToken))
                : Result.Success(ReplicaTarget.Here);
        }

        // This replica needs no store read: it can still drill or recover itself while the store is down.
        if (query.Replica == identity.Id)
        {
            return Result.Success(ReplicaTarget.Here);
        }

        var rows = await heartbeats.ListAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (query.Scope is not null)
        {
            var live = rows.Where(row => !ReplicaLiveness.IsStale(row.Beat.At, now) && row.Beat.ReplicaId != identity.Id)
                .Select(Endpoint)
                .Prepend(new ReplicaEndpoint(identity.Id, null, IsSelf: true, Unreachable: null))
                .OrderBy(endpoint => endpoint.ReplicaId, StringComparer.Ordinal)
                .ToList();
            return Result.Success(new ReplicaTarget(ReplicaTargetKind.All, live));
        }

        var target = rows.FirstOrDefault(row => row.Beat.ReplicaId == query.Replica);
        if (target is null)
        {
            return Refuse(ErrorCodes.ReplicaUnknown, $"No replica '{query.Replica}' in the fleet.", Live(rows, now));
        }

        if (ReplicaLiveness.IsStale(target.Beat.At, now))
        {
            return Unreachable(target.Beat.ReplicaId, $"its last heartbeat is older than {ReplicaLiveness.StaleAfter.TotalSeconds:0} s", target.Beat.At);
        }

        var endpoint = Endpoint(target);
        return endpoint.Unreachable is { } reason
            ? Unreachable(endpoint.ReplicaId, reason, target.Beat.At)
            : Result.Success(new ReplicaTarget(ReplicaTargetKind.One, [endpoint]));
    }

    /// <summary>A replica's advertised URL, if forwarding to it is allowed: http(s), and loopback unless REPLICA_FORWARD_LOOPBACK_ONLY=false.</summary>
    private ReplicaEndpoint Endpoint(ReplicaHeartbeatRow row)
    {
        var id = row.Beat.ReplicaId;
        if (string.IsNullOrEmpty(row.Beat.Url))
        {
            return new ReplicaEndpoint(id, null, IsSelf: false, "it advertises no REPLICA_URL");
        }

        var allowed = Uri.TryCreate(row.Beat.Url, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            && (url.IsLoopback || !replica.Value.ForwardLoopbackOnly);
        return allowed
            ? new ReplicaEndpoint(id, url!.GetLeftPart(UriPartial.Authority), IsSelf: false, null)
            : new ReplicaEndpoint(id, null, IsSelf: false, "its REPLICA_URL is not one this replica forwards to (REPLICA_FORWARD_LOOPBACK_ONLY)");
    }

    private async Task<List<string>> LiveAsync(CancellationToken cancellationToken) =>
        data.Value.UsesPostgres ? Live(await heartbeats.ListAsync(cancellationToken), time.GetUtcNow()) : [identity.Id];

    private static List<string> Live(IReadOnlyList<ReplicaHeartbeatRow> rows, DateTimeOffset now) =>
        rows.Where(row => !ReplicaLiveness.IsStale(row.Beat.At, now)).Select(row => row.Beat.ReplicaId).ToList();

    private static Result<ReplicaTarget> Refuse(ErrorCode code, string message, List<string> live) =>
        new Problem(code, Stage, message, new Dictionary<string, object?> { ["live_replicas"] = live }).ToResult<ReplicaTarget>();

    private static Result<ReplicaTarget> Unreachable(string id, string reason, DateTimeOffset lastHeartbeat) =>
        new Problem(ErrorCodes.ReplicaUnreachable, "forward", $"Replica '{id}' cannot take this operation: {reason}.", new Dictionary<string, object?>
        {
            ["replica_id"] = id,
            ["reason"] = reason,
            ["last_heartbeat"] = lastHeartbeat,
        }).ToResult<ReplicaTarget>();
}
