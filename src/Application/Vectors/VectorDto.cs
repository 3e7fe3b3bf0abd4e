using System.Text.Json.Serialization;
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
public sealed record SimilarVectorDto(string Id, double Score, HitMetaDto Meta)
{
    public static SimilarVectorDto From(VectorHit hit) => new(hit.Id, hit.Score, HitMetaDto.From(hit.Tags));
}

/// <summary>
/// A hit's filterable tags, the ones it has. Members are declared in ordinal key order and absent
/// ones are left out, so the JSON is what the sorted dictionary it replaces wrote; one small
/// object per hit instead of a tree of five nodes (search answers ten hits per request).
/// </summary>
public sealed record HitMetaDto(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FileName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Format,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Label,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Material,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ProjectId)
{
    public static HitMetaDto From(VectorTags tags) => new(tags.FileName, tags.Format, tags.Label, tags.Material, tags.ProjectId);
}
