using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Features;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Features.GetFeatureSlots;

/// <summary>The slots of one version (default: the configured one), in stored order.</summary>
public sealed record GetFeatureSlotsQuery(string? Version) : IUseCaseQuery<FeatureSlotsDto>;

public sealed record FeatureSlotsDto(string Version, int Dimension, IReadOnlyList<FeatureSlotDto> Slots);

public sealed record FeatureSlotDto(int Index, string Name, string Group, string Since, string Formula);

internal sealed class GetFeatureSlotsValidator : AbstractValidator<GetFeatureSlotsQuery>
{
    public GetFeatureSlotsValidator() =>
        RuleFor(q => q.Version).FeatureVersionName("version");
}

internal sealed class GetFeatureSlotsHandler(IOptions<AnalysisOptions> options) : IQueryHandler<GetFeatureSlotsQuery, Result<FeatureSlotsDto>>
{
    public ValueTask<Result<FeatureSlotsDto>> Handle(GetFeatureSlotsQuery query, CancellationToken cancellationToken)
    {
        var version = FeatureVersions.Parse(query.Version ?? options.Value.FeatureVersion);
        var slots = FeatureSlots.Of(version)
            .Select(s => new FeatureSlotDto(s.Index, s.Name, s.Group.ToString().ToLowerInvariant(), s.Since.Name(), s.Formula))
            .ToList();
        return ValueTask.FromResult(Result.Success(new FeatureSlotsDto(version.Name(), version.Dimension(), slots)));
    }
}
