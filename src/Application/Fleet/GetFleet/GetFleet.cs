using Ardalis.Result;
using CadMl.Application.Fleet.Ports;
using CadMl.Domain.Fleet;
using Mediator;

namespace CadMl.Application.Fleet.GetFleet;

/// <summary>
/// Every replica that shares this store, from their heartbeat rows: what each runs and serves, how
/// far its index is behind the store, and whether it still beats (<see cref="ReplicaLiveness"/>).
/// </summary>
public sealed record GetFleetQuery : IUseCaseQuery<FleetDto>;

internal sealed class GetFleetHandler(IReplicaHeartbeats heartbeats, ReplicaIdentity identity, TimeProvider time)
    : IQueryHandler<GetFleetQuery, Result<FleetDto>>
{
    public async ValueTask<Result<FleetDto>> Handle(GetFleetQuery query, CancellationToken cancellationToken)
    {
        var rows = await heartbeats.ListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var replicas = rows.Select(row => new FleetReplicaDto(
                row.Beat.ReplicaId,
                row.Beat.Version,
                row.Beat.Track,
                row.Beat.ModelSha256,
                row.Beat.AppliedGeneration,
                row.Lag,
                row.Beat.CacheSettingsVersion,
                row.Beat.At,
                Math.Round((now - row.Beat.At).TotalSeconds, 3),
                ReplicaLiveness.IsStale(row.Beat.At, now),
                row.FirstSeen,
                row.Beat.Url))
            .ToList();
        return Result.Success(new FleetDto(identity.Id, ReplicaLiveness.StaleAfter.TotalSeconds, replicas));
    }
}
