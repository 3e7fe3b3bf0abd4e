using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Application.Analysis.Ports;

/// <summary>What a cache hit saves: the parsed document and the vector extracted from it.</summary>
public sealed record CachedFeatures(CadDocument Document, FeatureVector Vector);

/// <summary>
/// Parsed-and-extracted results keyed by content hash, feature version and slot layout, so a
/// repeated upload skips parsing and extraction. Every lookup counts exactly once, as a hit or a miss.
/// </summary>
public interface IFeatureCache
{
    bool TryGet(FeatureCacheKey key, out CachedFeatures? value);

    void Set(FeatureCacheKey key, CachedFeatures value);
}

/// <summary>
/// <c>sha256(content):version:layout</c>. The layout names the slot formulas, so a change to them
/// can never serve vectors computed under the old ones.
/// </summary>
public readonly record struct FeatureCacheKey(string ContentSha256, FeatureVersion Version)
{
    // canonical-2: v5 gained the drawing stroke slots 73-102 and drawing reweights (103 slots).
    public const string Layout = "canonical-2";

    public override string ToString() => $"{ContentSha256}:{Version.Name()}:{Layout}";
}
