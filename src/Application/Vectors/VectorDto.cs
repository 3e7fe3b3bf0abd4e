using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Application.Vectors;

/// <summary>A stored vector as the API returns it.</summary>
public sealed record VectorDto(
    string Id,
    string FeatureVersion,
    int Dimension,
    IReadOnlyList<double> Vector,
    IReadOnlyDictionary<string, string> Meta,
    DateTimeOffset CreatedAt)
{
    public static VectorDto From(StoredVector stored) => new(
        stored.Id,
        stored.Vector.Version.Name(),
        stored.Vector.Values.Count,
        stored.Vector.Values,
        stored.Meta,
        stored.CreatedAt);
}

/// <summary>One search hit: the vector's id, its cosine similarity to the query and its filterable meta.</summary>
public sealed record SimilarVectorDto(string Id, double Score, IReadOnlyDictionary<string, string> Meta)
{
    public static SimilarVectorDto From(VectorHit hit)
    {
        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Add(meta, "material", hit.Tags.Material);
        Add(meta, "format", hit.Tags.Format);
        Add(meta, "label", hit.Tags.Label);
        Add(meta, "project_id", hit.Tags.ProjectId);
        Add(meta, "file_name", hit.Tags.FileName);
        return new SimilarVectorDto(hit.Id, hit.Score, meta);
    }

    private static void Add(SortedDictionary<string, string> meta, string key, string? value)
    {
        if (value is not null)
        {
            meta[key] = value;
        }
    }
}
