using Ardalis.Result;
using CadMl.Domain.Features;
using Mediator;

namespace CadMl.Application.Vectors.DeleteVector;

/// <summary>Removes a vector from the store and the index (admin).</summary>
public sealed record DeleteVectorCommand(string Id) : IUseCaseCommand<DeletedVectorDto>;

public sealed record DeletedVectorDto(string Id, bool Deleted, string FeatureVersion, long StoreGeneration);

internal sealed class DeleteVectorHandler(VectorRegistry registry, WrittenGeneration written) : ICommandHandler<DeleteVectorCommand, Result<DeletedVectorDto>>
{
    public async ValueTask<Result<DeletedVectorDto>> Handle(DeleteVectorCommand command, CancellationToken cancellationToken)
    {
        var removal = await registry.DeleteAsync(command.Id, cancellationToken);
        if (removal is not null)
        {
            written.Produced(removal.Generation);
        }

        return removal is null
            ? VectorProblems.NotFound(command.Id).ToResult<DeletedVectorDto>()
            : Result.Success(new DeletedVectorDto(removal.Id, true, removal.Version.Name(), removal.Generation));
    }
}
