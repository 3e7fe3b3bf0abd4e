using Ardalis.Result;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Vectors.GetVectorStats;

/// <summary>Counts by version, format and material from the store, and what the index holds and serves.</summary>
public sealed record GetVectorStatsQuery : IQuery<Result<VectorStatsDto>>;

public sealed record VectorStatsDto(
    long Total,
    IReadOnlyDictionary<string, long> ByVersion,
    IReadOnlyDictionary<string, long> ByFormat,
    IReadOnlyDictionary<string, long> ByMaterial,
    long StoreGeneration,
    VectorIndexFacts Index);

internal sealed class GetVectorStatsHandler(IVectorStore store, IVectorIndex index) : IQueryHandler<GetVectorStatsQuery, Result<VectorStatsDto>>
{
    public async ValueTask<Result<VectorStatsDto>> Handle(GetVectorStatsQuery query, CancellationToken cancellationToken)
    {
        var stats = await store.StatsAsync(cancellationToken);
        return Result.Success(new VectorStatsDto(stats.Total, stats.ByVersion, stats.ByFormat, stats.ByMaterial, stats.Generation, index.Facts()));
    }
}
