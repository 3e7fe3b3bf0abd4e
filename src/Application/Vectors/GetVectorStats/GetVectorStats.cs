using Ardalis.Result;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Vectors.GetVectorStats;

/// <summary>Counts by version, format and material from the store, and what the index holds and serves.</summary>
public sealed record GetVectorStatsQuery : IUseCaseQuery<VectorStatsDto>;

public sealed record VectorStatsDto(
    long Total,
    IReadOnlyDictionary<string, long> ByVersion,
    IReadOnlyDictionary<string, long> ByFormat,
    IReadOnlyDictionary<string, long> ByMaterial,
    long StoreGeneration,
    VectorIndexDto Index);

/// <summary>The index facts as the API shows them; mapped from the port's record so an adapter change is not an API change.</summary>
public sealed record VectorIndexDto(string Backend, string Kind, long Size, long Generation, IReadOnlyDictionary<string, VersionIndexDto> Versions)
{
    public static VectorIndexDto From(VectorIndexFacts facts) => new(
        facts.Backend,
        facts.Kind,
        facts.Size,
        facts.Generation,
        facts.Versions.ToDictionary(v => v.Key, v => new VersionIndexDto(v.Value.Dimension, v.Value.Size, v.Value.Tombstones, v.Value.Backend), StringComparer.Ordinal));
}

public sealed record VersionIndexDto(int Dimension, long Size, long Tombstones, string Backend);

internal sealed class GetVectorStatsHandler(IVectorStore store, IVectorIndex index) : IQueryHandler<GetVectorStatsQuery, Result<VectorStatsDto>>
{
    public async ValueTask<Result<VectorStatsDto>> Handle(GetVectorStatsQuery query, CancellationToken cancellationToken)
    {
        var stats = await store.StatsAsync(cancellationToken);
        return Result.Success(new VectorStatsDto(stats.Total, stats.ByVersion, stats.ByFormat, stats.ByMaterial, stats.Generation, VectorIndexDto.From(index.Facts())));
    }
}
