using CadMl.Domain.Features;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// The meta facts that searches and listings filter on, kept beside each vector in memory so a
/// hit needs no store round trip. Unknown meta keys stay in the store only.
/// </summary>
public sealed record VectorTags(string? Material, string? Format, string? Label, string? ProjectId, string? FileName)
{
    public static readonly IReadOnlyList<string> Keys = ["material", "format", "label", "project_id", "file_name"];

    public static VectorTags From(IReadOnlyDictionary<string, string> meta) => new(
        meta.GetValueOrDefault("material"),
        meta.GetValueOrDefault("format"),
        meta.GetValueOrDefault("label"),
        meta.GetValueOrDefault("project_id"),
        meta.GetValueOrDefault("file_name"));
}

/// <summary>
/// One durable vector. <see cref="Seq"/> is the int64 id the indexes use: assigned by the store,
/// never reused, and new on every write, so a replaced vector can never be confused with its successor.
/// </summary>
public sealed record StoredVector(
    long Seq,
    string Id,
    FeatureVector Vector,
    IReadOnlyDictionary<string, string> Meta,
    DateTimeOffset CreatedAt)
{
    public VectorTags Tags => VectorTags.From(Meta);
}

/// <summary>A durable write and the store generation it produced.</summary>
public sealed record VectorWrite(StoredVector Vector, long? ReplacedSeq, FeatureVersion? ReplacedVersion, long Generation);

public sealed record VectorRemoval(string Id, long Seq, FeatureVersion Version, long Generation);

/// <summary>Equality filters; a null member does not filter.</summary>
public sealed record VectorFilter(string? Material = null, string? Format = null, string? FeatureVersion = null, string? Label = null, string? ProjectId = null)
{
    public bool IsEmpty => Material is null && Format is null && FeatureVersion is null && Label is null && ProjectId is null;

    /// <summary>Tag filters only; the version selects the index before any tag is compared.</summary>
    public bool Accepts(VectorTags tags) =>
        (Material is null || string.Equals(Material, tags.Material, StringComparison.Ordinal))
        && (Format is null || string.Equals(Format, tags.Format, StringComparison.Ordinal))
        && (Label is null || string.Equals(Label, tags.Label, StringComparison.Ordinal))
        && (ProjectId is null || string.Equals(ProjectId, tags.ProjectId, StringComparison.Ordinal));

    public bool HasTagFilters => Material is not null || Format is not null || Label is not null || ProjectId is not null;
}

public sealed record VectorPage(IReadOnlyList<StoredVector> Items, long Total);

public sealed record VectorStoreStats(
    long Total,
    long Generation,
    IReadOnlyDictionary<string, long> ByVersion,
    IReadOnlyDictionary<string, long> ByFormat,
    IReadOnlyDictionary<string, long> ByMaterial);

/// <summary>What the indexes hold for one vector.</summary>
public sealed record IndexedVector(long Seq, string Id, FeatureVersion Version, IReadOnlyList<double> Values, VectorTags Tags)
{
    public static IndexedVector From(StoredVector stored) =>
        new(stored.Seq, stored.Id, stored.Vector.Version, stored.Vector.Values, stored.Tags);
}

public sealed record VectorSearchRequest(FeatureVersion Version, IReadOnlyList<double> Query, int K, VectorFilter? Filter, string? ExcludeId);

public sealed record VectorHit(string Id, double Score, VectorTags Tags);

/// <summary>The hits, best first, and which backend produced them (<c>faiss</c> or <c>exact</c>).</summary>
public sealed record VectorSearchOutcome(string Backend, IReadOnlyList<VectorHit> Hits);

public sealed record VersionIndexFacts(int Dimension, long Size, long Tombstones, string Backend);

/// <summary>
/// The index as it serves now: <see cref="Backend"/> is where queries go (<c>faiss</c> or
/// <c>exact</c>), <see cref="Kind"/> what was configured, <see cref="Generation"/> the store
/// generation the in-memory state reflects.
/// </summary>
public sealed record VectorIndexFacts(
    string Backend,
    string Kind,
    long Size,
    long Generation,
    IReadOnlyDictionary<string, VersionIndexFacts> Versions);
