using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors.RegisterVector;

/// <summary>Stores a vector durably under <paramref name="Id"/> (replacing any earlier one) and indexes it.</summary>
public sealed record RegisterVectorCommand(
    string Id,
    IReadOnlyList<double>? Vector,
    string? FeatureVersion = null,
    IReadOnlyDictionary<string, string>? Meta = null) : ICommand<Result<VectorDto>>;

internal sealed class RegisterVectorHandler(VectorRegistry registry, IOptions<AnalysisOptions> analysis, TimeProvider time)
    : ICommandHandler<RegisterVectorCommand, Result<VectorDto>>
{
    public async ValueTask<Result<VectorDto>> Handle(RegisterVectorCommand command, CancellationToken cancellationToken)
    {
        var values = command.Vector!;
        var version = VectorRules.VersionOf(command.FeatureVersion, values.Count, analysis.Value.FeatureVersion);
        if (VectorRules.DimensionProblem(version, values.Count) is { } mismatch)
        {
            return mismatch.ToResult<VectorDto>();
        }

        FeatureVector.TryCreate(version, values, out var vector);
        var meta = command.Meta ?? new Dictionary<string, string>();
        var write = await registry.RegisterAsync(command.Id, vector!, meta, time.GetUtcNow(), cancellationToken);
        return Result.Created(VectorDto.From(write.Vector));
    }
}
