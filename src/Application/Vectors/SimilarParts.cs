using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors;

/// <summary>The part of analyze that belongs to similarity: register the new vector, find its neighbours.</summary>
internal interface ISimilarParts
{
    /// <summary>Stores the analysis with its vector (one transaction) and puts the vector in the index; returns the store generation it produced.</summary>
    Task<long> RecordAsync(AnalysisRecord record, IdempotencyClaim? claim, CancellationToken cancellationToken);

    /// <summary>The neighbours of a just-recorded analysis, itself excluded.</summary>
    Task<IReadOnlyList<SimilarVectorDto>> NeighboursAsync(AnalysisRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// The analysis's neighbours as the index stands now, from its stored vector (so after a
    /// migration they are found among the new version's vectors); null when its vector was
    /// deleted through the vectors API or has an earlier layout that search leaves out until it is
    /// migrated (the earlier-layout audit counts those).
    /// </summary>
    Task<IReadOnlyList<SimilarVectorDto>?> FindAsync(string analysisId, CancellationToken cancellationToken);
}

/// <summary>
/// The vector id is the analysis id, so a hit leads straight to <c>GET /api/v1/analyze/{id}</c>;
/// the analysis itself is excluded from its own neighbours.
/// </summary>
internal sealed class SimilarParts(VectorRegistry registry, IVectorStore store, IVectorIndex index, IOptions<SimilarPartsOptions> options) : ISimilarParts
{
    public async Task<long> RecordAsync(AnalysisRecord record, IdempotencyClaim? claim, CancellationToken cancellationToken)
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

        return (await registry.RecordAnalysisAsync(record, meta, claim, cancellationToken)).Generation;
    }

    public Task<IReadOnlyList<SimilarVectorDto>> NeighboursAsync(AnalysisRecord record, CancellationToken cancellationToken) =>
        NeighboursAsync(record.Id, record.Features, cancellationToken);

    public async Task<IReadOnlyList<SimilarVectorDto>?> FindAsync(string analysisId, CancellationToken cancellationToken)
    {
        StoredVector? stored;
        try
        {
            stored = await store.FindAsync(analysisId, cancellationToken);
        }
        catch (EarlierLayoutException)
        {
            // The analysis itself is readable; its vector row waits for the operator's migration.
            return null;
        }

        return stored is null ? null : await NeighboursAsync(stored.Id, stored.Vector, cancellationToken);
    }

    private async Task<IReadOnlyList<SimilarVectorDto>> NeighboursAsync(string id, FeatureVector vector, CancellationToken cancellationToken)
    {
        var k = options.Value.SimilarTopK;
        if (k == 0)
        {
            return [];
        }

        var outcome = await index.SearchAsync(new VectorSearchRequest(vector.Version, vector.Values, k, null, id), cancellationToken);
        return [.. outcome.Hits.Select(SimilarVectorDto.From)];
    }
}
