using System.Text.Json.Serialization;
using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors.SearchVectors;

/// <summary>
/// Top-<paramref name="K"/> most similar stored vectors (cosine), by a query <paramref name="Vector"/>
/// or by the stored vector with <paramref name="Id"/>. <paramref name="ExcludeSelf"/> drops the
/// queried id from the hits (by-id searches only; it defaults to true there). <paramref name="MinScore"/>
/// drops hits scoring below it (cosine, -1..1; with v5 unrelated parts score about 0, transformed
/// copies about 1, see docs/EVALUATION.md), so fewer than K hits may come back.
/// </summary>
public sealed record SearchVectorsQuery(
    IReadOnlyList<double>? Vector = null,
    string? Id = null,
    string? FeatureVersion = null,
    int K = 10,
    SearchFiltersDto? Filters = null,
    bool? ExcludeSelf = null,
    double? MinScore = null,
    [property: JsonIgnore] long? MinGeneration = null) : IUseCaseQuery<SearchResultDto>;

public sealed record SearchFiltersDto(string? Material = null, string? Format = null, string? Label = null, string? ProjectId = null);

public sealed record SearchResultDto(string Backend, string FeatureVersion, int K, IReadOnlyList<SimilarVectorDto> Results);

internal sealed class SearchVectorsHandler(IVectorStore store, IVectorIndex index, GenerationGate generations, IOptions<AnalysisOptions> analysis)
    : IQueryHandler<SearchVectorsQuery, Result<SearchResultDto>>
{
    public async ValueTask<Result<SearchResultDto>> Handle(SearchVectorsQuery query, CancellationToken cancellationToken)
    {
        // First: a by-id search of a vector written through another replica reads the store, which has it already.
        if (await generations.WaitAsync(query.MinGeneration, cancellationToken) is { } lagging)
        {
            return lagging.ToResult<SearchResultDto>();
        }

        IReadOnlyList<double> values;
        FeatureVersion version;
        string? exclude = null;
        if (query.Id is not null)
        {
            var stored = await store.FindAsync(query.Id, cancellationToken);
            if (stored is null)
            {
                return VectorProblems.NotFound(query.Id).ToResult<SearchResultDto>();
            }

            values = stored.Vector.Values;
            version = stored.Vector.Version;
            exclude = query.ExcludeSelf ?? true ? stored.Id : null;
            if (query.FeatureVersion is not null && FeatureVersions.Parse(query.FeatureVersion) != version)
            {
                return new Problem(ErrorCodes.DimensionMismatch, "dimension_check",
                    $"Vector {stored.Id} is {version.Name()}; it cannot be searched among {query.FeatureVersion} vectors.",
                    new Dictionary<string, object?>
                    {
                        ["feature_version"] = query.FeatureVersion,
                        ["expected"] = FeatureVersions.Parse(query.FeatureVersion).Dimension(),
                        ["found"] = version.Dimension(),
                    }).ToResult<SearchResultDto>();
            }
        }
        else
        {
            store.EnsureServing();
            values = query.Vector!;
            version = VectorRules.VersionOf(query.FeatureVersion, values.Count, analysis.Value.FeatureVersion);
            if (VectorRules.DimensionProblem(version, values.Count) is { } mismatch)
            {
                return mismatch.ToResult<SearchResultDto>();
            }
        }

        var f = query.Filters;
        var filter = f is null ? null : new VectorFilter(f.Material, f.Format, null, f.Label, f.ProjectId);
        var outcome = await index.SearchAsync(new VectorSearchRequest(version, values, query.K, filter, exclude), cancellationToken);
        var hits = outcome.Hits.Where(h => query.MinScore is not { } floor || h.Score >= floor).Select(SimilarVectorDto.From);
        return Result.Success(new SearchResultDto(outcome.Backend, version.Name(), query.K, [.. hits]));
    }
}
