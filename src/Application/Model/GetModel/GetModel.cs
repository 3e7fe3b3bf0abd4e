using Ardalis.Result;
using CadMl.Application.Common.Problems;
using CadMl.Application.Model.Serving;
using Mediator;

namespace CadMl.Application.Model.GetModel;

/// <summary>The serving model's identity; 404 <c>MODEL_NOT_LOADED</c> when there is none.</summary>
public sealed record GetModelQuery : IUseCaseQuery<ModelIdentity>;

internal sealed class GetModelHandler(ModelRegistry registry) : IQueryHandler<GetModelQuery, Result<ModelIdentity>>
{
    public ValueTask<Result<ModelIdentity>> Handle(GetModelQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.Current is { } identity
            ? Result.Success(identity)
            : ModelAbsence.Problem(registry.LastReload).ToResult<ModelIdentity>());
}

internal static class ModelAbsence
{
    public static Problem Problem(ReloadOutcome? last) => new Problem(ErrorCodes.ModelNotLoaded, "model",
        last is { Status: "failed" }
            ? $"No model is serving: the last load failed at stage {last.Stage} with {last.Code}."
            : "No model is serving.",
        new Dictionary<string, object?> { ["last_reload"] = last });
}
