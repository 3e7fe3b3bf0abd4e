using Ardalis.Result;
using CadMl.Application.Faiss.Ports;
using Mediator;

namespace CadMl.Application.Faiss.GetFaissHealth;

public sealed record GetFaissHealthQuery : IQuery<Result<FaissHealthDto>>;

internal sealed class GetFaissHealthHandler(IFaissRecovery recovery) : IQueryHandler<GetFaissHealthQuery, Result<FaissHealthDto>>
{
    public ValueTask<Result<FaissHealthDto>> Handle(GetFaissHealthQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Result.Success(recovery.Health()));
}
