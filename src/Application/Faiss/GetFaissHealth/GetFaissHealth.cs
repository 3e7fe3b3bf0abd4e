using Ardalis.Result;
using CadMl.Application.Common.Ports;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Faiss.GetFaissHealth;

public sealed record GetFaissHealthQuery : IUseCaseQuery<FaissHealthDto>;

/// <summary>
/// The recovery state and the index facts, with the store's own generation beside the one the
/// index has applied (equal when the index is current). A store that cannot answer leaves the
/// applied one in its place: this health endpoint must answer even then.
/// </summary>
internal sealed class GetFaissHealthHandler(FaissDegradation degradation, IVectorStore store) : IQueryHandler<GetFaissHealthQuery, Result<FaissHealthDto>>
{
    public async ValueTask<Result<FaissHealthDto>> Handle(GetFaissHealthQuery query, CancellationToken cancellationToken)
    {
        await degradation.EnsureLoadedAsync(cancellationToken);
        var health = degradation.Health();
        try
        {
            var generation = await store.GenerationAsync(cancellationToken);
            return Result.Success(health with { Index = health.Index with { StoreGeneration = generation } });
        }
        catch (StoreUnavailableException)
        {
            return Result.Success(health);
        }
    }
}
