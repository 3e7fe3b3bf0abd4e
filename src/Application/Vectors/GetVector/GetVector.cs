using Ardalis.Result;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Vectors.GetVector;

public sealed record GetVectorQuery(string Id) : IUseCaseQuery<VectorDto>;

internal sealed class GetVectorHandler(IVectorStore store) : IQueryHandler<GetVectorQuery, Result<VectorDto>>
{
    public async ValueTask<Result<VectorDto>> Handle(GetVectorQuery query, CancellationToken cancellationToken)
    {
        var stored = await store.FindAsync(query.Id, cancellationToken);
        return stored is null
            ? VectorProblems.NotFound(query.Id).ToResult<VectorDto>()
            : Result.Success(VectorDto.From(stored));
    }
}
