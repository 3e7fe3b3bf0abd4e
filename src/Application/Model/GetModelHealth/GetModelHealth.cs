using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Serving;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Model.GetModelHealth;

/// <summary>Model health for operators: always answers, and says ok or absent and why.</summary>
public sealed record GetModelHealthQuery : IUseCaseQuery<ModelHealthDto>;

public sealed record ModelHealthDto(
    string Status,
    string? ModelVersion,
    string? Sha256,
    string? FeatureVersion,
    DateTimeOffset? LoadedAt,
    string? ExecutionProvider,
    string OpcodeMode,
    ReloadOutcome? LastReload);

internal sealed class GetModelHealthHandler(ModelRegistry registry, IOptions<ModelOptions> options)
    : IQueryHandler<GetModelHealthQuery, Result<ModelHealthDto>>
{
    public ValueTask<Result<ModelHealthDto>> Handle(GetModelHealthQuery query, CancellationToken cancellationToken)
    {
        var current = registry.Current;
        return ValueTask.FromResult(Result.Success(new ModelHealthDto(
            current is null ? "absent" : "ok",
            current?.ModelVersion,
            current?.Sha256,
            current?.FeatureVersion,
            current?.LoadedAt,
            current?.ExecutionProvider,
            Domain.Classification.OpcodeModes.Name(options.Value.Mode),
            registry.LastReload)));
    }
}
