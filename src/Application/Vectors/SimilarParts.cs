using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors;

/// <summary>The part of analyze that belongs to similarity: register the new vector, find its neighbours.</summary>
internal interface ISimilarParts
{
    Task<IReadOnlyList<SimilarVectorDto>> RegisterAndFindAsync(AnalysisRecord record, CancellationToken cancellationToken);
}

/// <summary>
/// The vector id is the analysis id, so a hit leads straight to <c>GET /api/v1/analyze/{id}</c>;
/// the analysis itself is excluded from its own neighbours.
/// </summary>
internal sealed class SimilarParts(VectorRegistry registry, IVectorIndex index, IOptions<VectorIndexOptions> options) : ISimilarParts
{
    public async Task<IReadOnlyList<SimilarVectorDto>> RegisterAndFindAsync(AnalysisRecord record, CancellationToken cancellationToken)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = record.Document.Format.Name(),
            ["file_name"] = record.FileName,
        };
        if (record.Material is not null)
        {
            meta["material"] = record.Material;
        }

        if (record.ProjectId is not null)
        {
            meta["project_id"] = record.ProjectId;
        }

        if (record.Classification?.Classification is { } classification)
        {
            meta["label"] = classification.Label;
        }

        await registry.RegisterAsync(record.Id, record.Features, meta, record.CreatedAt, cancellationToken);
        var k = options.Value.SimilarTopK;
        if (k == 0)
        {
            return [];
        }

        var outcome = index.Search(new VectorSearchRequest(record.Features.Version, record.Features.Values, k, null, record.Id));
        return [.. outcome.Hits.Select(SimilarVectorDto.From)];
    }
}
