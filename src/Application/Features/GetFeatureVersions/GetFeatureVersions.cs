using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Features.GetFeatureVersions;

public sealed record GetFeatureVersionsQuery : IUseCaseQuery<FeatureVersionsDto>;

public sealed record FeatureVersionsDto(string Default, IReadOnlyList<FeatureVersionDto> Versions);

public sealed record FeatureVersionDto(string Version, int Dimension, int NewSlots, IReadOnlyList<string> Adds);

internal sealed class GetFeatureVersionsHandler(IOptions<AnalysisOptions> options)
    : IQueryHandler<GetFeatureVersionsQuery, Result<FeatureVersionsDto>>
{
    public ValueTask<Result<FeatureVersionsDto>> Handle(GetFeatureVersionsQuery query, CancellationToken cancellationToken)
    {
        var versions = FeatureVersions.All.Select(v =>
        {
            var added = FeatureSlots.Of(v).Where(s => s.Since == v).Select(s => s.Name).ToList();
            return new FeatureVersionDto(v.Name(), v.Dimension(), added.Count, added);
        }).ToList();
        return ValueTask.FromResult(Result.Success(new FeatureVersionsDto(options.Value.FeatureVersion, versions)));
    }
}
