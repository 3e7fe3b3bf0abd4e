using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Configuration;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>The similarity index: which backend serves searches and how FAISS is tuned.</summary>
public sealed class VectorIndexOptions : IValidatedOptions
{
    public static readonly IReadOnlyList<string> IndexTypes = ["flat", "hnsw", "ivf", "exact"];

    /// <summary>
    /// <c>flat</c> (FAISS exact inner product, default), <c>hnsw</c>, <c>ivf</c>, or <c>exact</c>
    /// (SIMD brute force in .NET, no native code). Every FAISS kind falls back to exact on failure.
    /// </summary>
    [ConfigurationKeyName("FAISS_INDEX_TYPE")]
    public string IndexType { get; set; } = "flat";

    // The FAISS defaults, also used by code that builds an index without configuration
    // (tests, benchmarks), so there is one place that says what the service runs.
    public const int DefaultHnswM = 32;
    public const int DefaultHnswEfConstruction = 80;
    public const int DefaultHnswEfSearch = 48;
    public const int DefaultIvfNlist = 256;
    public const int DefaultIvfNprobe = 16;

    [ConfigurationKeyName("FAISS_HNSW_M")]
    public int HnswM { get; set; } = DefaultHnswM;

    [ConfigurationKeyName("FAISS_HNSW_EF_CONSTRUCTION")]
    public int HnswEfConstruction { get; set; } = DefaultHnswEfConstruction;

    /// <summary>
    /// 48 keeps recall@10 ≥ 0.95 on uniform random 24-d vectors, the hardest data measured, up to
    /// 1M vectors (0.979 at 100k, 0.96 at 1M) with p95 under 0.2 ms at 1M (docs/PERFORMANCE.md).
    /// </summary>
    [ConfigurationKeyName("FAISS_HNSW_EF_SEARCH")]
    public int HnswEfSearch { get; set; } = DefaultHnswEfSearch;

    [ConfigurationKeyName("FAISS_IVF_NLIST")]
    public int IvfNlist { get; set; } = DefaultIvfNlist;

    [ConfigurationKeyName("FAISS_IVF_NPROBE")]
    public int IvfNprobe { get; set; } = DefaultIvfNprobe;

    /// <summary>
    /// HNSW cannot delete: removed vectors are tombstoned and filtered out of results, and the
    /// version's index is rebuilt in the background once tombstones exceed this share of it.
    /// </summary>
    [ConfigurationKeyName("FAISS_TOMBSTONE_REBUILD_RATIO")]
    public double TombstoneRebuildRatio { get; set; } = 0.2;

    /// <summary>How often a changed index is saved to the data folder (it is also saved at shutdown).</summary>
    [ConfigurationKeyName("FAISS_SAVE_INTERVAL_SECONDS")]
    public int SaveIntervalSeconds { get; set; } = 300;

    /// <summary>
    /// From this many stored vectors, an HNSW or IVF index that must be built at start is built
    /// in the background while exact search serves: a minutes-long build must not keep the
    /// process from listening (a liveness probe would kill it and the build would start over).
    /// Flat builds take under a second even at 1M and always run before the server starts.
    /// </summary>
    [ConfigurationKeyName("FAISS_BACKGROUND_BUILD_THRESHOLD")]
    public int BackgroundBuildThreshold { get; set; } = 100_000;

    /// <summary>Folder holding libcadml_faiss.so; empty searches upwards from the binaries for artifacts/native.</summary>
    [ConfigurationKeyName("CADML_NATIVE_DIR")]
    public string NativeDir { get; set; } = "";

    public bool UsesFaiss => Kind != "exact";

    public string Kind => IndexType.Trim().ToLowerInvariant();

    public IEnumerable<string> Validate()
    {
        if (!IndexTypes.Contains(Kind))
        {
            yield return $"FAISS_INDEX_TYPE must be one of {string.Join(", ", IndexTypes)} (was '{IndexType}').";
        }

        if (HnswM is < 2 or > 256)
        {
            yield return $"FAISS_HNSW_M must be between 2 and 256 (was {HnswM}).";
        }

        if (HnswEfConstruction is < 1 or > 4096)
        {
            yield return $"FAISS_HNSW_EF_CONSTRUCTION must be between 1 and 4096 (was {HnswEfConstruction}).";
        }

        if (HnswEfSearch is < 1 or > 4096)
        {
            yield return $"FAISS_HNSW_EF_SEARCH must be between 1 and 4096 (was {HnswEfSearch}).";
        }

        if (IvfNlist is < 1 or > 65536)
        {
            yield return $"FAISS_IVF_NLIST must be between 1 and 65536 (was {IvfNlist}).";
        }

        if (IvfNprobe < 1 || IvfNprobe > IvfNlist)
        {
            yield return $"FAISS_IVF_NPROBE must be between 1 and FAISS_IVF_NLIST (was {IvfNprobe}).";
        }

        if (!(TombstoneRebuildRatio > 0 && TombstoneRebuildRatio <= 1))
        {
            yield return $"FAISS_TOMBSTONE_REBUILD_RATIO must be greater than 0 and at most 1 (was {TombstoneRebuildRatio}).";
        }

        if (BackgroundBuildThreshold < 0)
        {
            yield return $"FAISS_BACKGROUND_BUILD_THRESHOLD must be 0 or more (was {BackgroundBuildThreshold}).";
        }

        if (SaveIntervalSeconds < 1)
        {
            yield return $"FAISS_SAVE_INTERVAL_SECONDS must be at least 1 (was {SaveIntervalSeconds}).";
        }
    }
}
