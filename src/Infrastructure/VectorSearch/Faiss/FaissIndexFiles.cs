using System.Security.Cryptography;
using System.Text.Json;
using CadMl.Infrastructure.Storage;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Features;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Faiss;

/// <summary>
/// The saved FAISS index: one file per feature version plus <c>manifest.json</c>, which names
/// the files, their SHA-256, the index kind and parameters, and the store generation they
/// reflect. The manifest is the commit point: shard files get fresh names, the manifest is
/// replaced by rename, and only then are unreferenced files deleted, so a crash at any moment
/// leaves either the old complete set or the new one. Nothing is loaded unless the manifest
/// matches the configuration and the store, is not ahead of the store's generation, and every
/// checksum verifies (FAISS trusts the sizes inside a file, so an unverified file could make it
/// allocate without bound). A file older than the store is brought up to date from the change log.
/// </summary>
internal sealed class FaissIndexFiles(IOptions<DataOptions> options, TimeProvider time, SqliteDatabase database)
{
    public const int SchemaVersion = 1;
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string Folder { get; } = Path.Combine(options.Value.FullDataDir, "faiss");

    private string ManifestPath => Path.Combine(Folder, "manifest.json");

    public void Save(FaissVectorIndex index, long generation)
    {
        // An index built while the store is refused or damaged reflects no store: saving it would
        // replace (and delete) the snapshot that may be the last copy of the vectors.
        if (!database.IsReady || database.StoreId is null)
        {
            throw new IOException($"the durable store is not open ({database.Condition.Code}); the saved index is left as it is");
        }

        Directory.CreateDirectory(Folder);
        var stamp = $"{generation}-{time.GetUtcNow().ToUnixTimeMilliseconds()}";
        var shards = new List<ShardEntry>();
        foreach (var shard in index.Shards)
        {
            var file = $"{shard.Version.Name()}.{stamp}.faiss";
            var path = Path.Combine(Folder, file);
            shard.Index.WriteFile(path);
            shards.Add(new ShardEntry(shard.Version.Name(), file, Sha256(path), shard.Stored, shard.TrainedOn, [.. shard.TombstoneSeqs]));
        }

        var spec = index.Spec;
        var manifest = new Manifest(SchemaVersion, spec.Name, spec.HnswM, spec.HnswEfConstruction, spec.HnswEfSearch, spec.IvfNlist, spec.IvfNprobe,
            generation, time.GetUtcNow(), shards, database.StoreId);
        AtomicFile.Write(ManifestPath, JsonSerializer.SerializeToUtf8Bytes(manifest, Json));

        var keep = shards.Select(s => s.File).Append("manifest.json").ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.EnumerateFiles(Folder).Where(f => !keep.Contains(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }
    }

    /// <summary>
    /// The saved index and the store generation it reflects (at most <paramref name="generation"/>;
    /// the caller replays the change log from there) if it is trustworthy; otherwise null and why
    /// (<c>missing</c>, <c>stale</c>, <c>corrupt</c>), so the caller rebuilds and reports it.
    /// </summary>
    public (FaissVectorIndex? Index, long Generation, string Status, string Detail) TryLoad(FaissNative native, FaissIndexSpec spec, long generation, long builtAtTimestamp)
    {
        var (index, status, detail) = Load(native, spec, generation, builtAtTimestamp, out var saved);
        return (index, saved, status, detail);
    }

    private (FaissVectorIndex? Index, string Status, string Detail) Load(FaissNative native, FaissIndexSpec spec, long generation, long builtAtTimestamp, out long saved)
    {
        saved = -1;
        if (!File.Exists(ManifestPath))
        {
            return (null, "missing", "no saved index");
        }

        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(ManifestPath), Json);
        }
        catch (JsonException exception)
        {
            return (null, "corrupt", $"manifest unreadable: {exception.Message}");
        }

        if (manifest is null || manifest.Schema != SchemaVersion || manifest.Shards is null)
        {
            return (null, "corrupt", $"manifest schema {manifest?.Schema} is not {SchemaVersion}");
        }

        if (manifest.Kind != spec.Name || manifest.HnswM != spec.HnswM || manifest.HnswEfConstruction != spec.HnswEfConstruction
            || manifest.IvfNlist != spec.IvfNlist)
        {
            return (null, "stale", $"saved as {manifest.Kind}, configured {spec.Name} (or its parameters changed)");
        }

        if (manifest.StoreId is { } owner && owner != database.StoreId)
        {
            return (null, "stale", $"saved for store {owner}, the store is {database.StoreId}");
        }

        // Older is fine (the change log brings it up to date, or says it cannot); newer means the
        // store lost writes the file holds, and the file must not resurrect them.
        if (manifest.Generation > generation)
        {
            return (null, "stale", $"saved at store generation {manifest.Generation}, ahead of the store at {generation}");
        }

        saved = manifest.Generation;

        var index = new FaissVectorIndex(native, spec, builtAtTimestamp);
        try
        {
            foreach (var entry in manifest.Shards)
            {
                var path = Path.Combine(Folder, Path.GetFileName(entry.File));
                if (!FeatureVersions.TryParse(entry.Version, out var version) || !File.Exists(path))
                {
                    index.Dispose();
                    return (null, "corrupt", $"shard {entry.File} is missing or names no version");
                }

                if (!string.Equals(Sha256(path), entry.Sha256, StringComparison.Ordinal))
                {
                    index.Dispose();
                    return (null, "corrupt", $"checksum mismatch for {entry.File}");
                }

                var faissIndex = FaissIndex.ReadFile(native, path, spec.Kind);
                var shard = new FaissShard(faissIndex, version, entry.TrainedOn, entry.Tombstones);
                index.Replace(shard);
                // Read before disposing: the message must not touch the released native index.
                var (dimension, stored) = (faissIndex.Dimension, shard.Stored);
                if (dimension != version.Dimension())
                {
                    // Saved by a release whose layout of this version had another length (v5 had 73
                    // slots before the drawing stroke slots): a valid file of an earlier layout.
                    index.Dispose();
                    return (null, "stale", $"{entry.File} holds {entry.Version} vectors of dimension {dimension}, this release's {entry.Version} has {version.Dimension()}");
                }

                if (stored != entry.Count)
                {
                    index.Dispose();
                    return (null, "corrupt", $"{entry.File} holds {stored} vectors, manifest says {entry.Count}");
                }

                // Search-time knobs are configuration, not index content: apply today's values.
                if (spec.Kind == FaissKind.Hnsw)
                {
                    faissIndex.SetEfSearch(spec.HnswEfSearch);
                }
                else if (spec.Kind == FaissKind.Ivf && shard.Ready)
                {
                    faissIndex.SetNprobe(spec.IvfNprobe);
                }
            }

            return (index, "ok", $"{manifest.Shards.Count} shards at generation {manifest.Generation}");
        }
        catch (FaissException exception)
        {
            index.Dispose();
            return (null, "corrupt", exception.Message);
        }
    }

    /// <summary>
    /// Which store and generation the saved index belongs to, read before anything is opened or
    /// rebuilt (the start-up identity rule); null when there is no readable manifest.
    /// </summary>
    public SnapshotStamp? ReadStamp()
    {
        if (!File.Exists(ManifestPath))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(ManifestPath), Json);
            return manifest is null
                ? null
                : new SnapshotStamp(manifest.StoreId, manifest.Generation, manifest.Shards?.Sum(s => s.Count) ?? 0);
        }
        catch (JsonException)
        {
            // An unreadable manifest is reported (and replaced) by the load path; it proves nothing about identity.
            return null;
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private sealed record Manifest(
        int Schema,
        string Kind,
        int HnswM,
        int HnswEfConstruction,
        int HnswEfSearch,
        int IvfNlist,
        int IvfNprobe,
        long Generation,
        DateTimeOffset SavedAt,
        List<ShardEntry> Shards,
        string? StoreId);

    public sealed record SnapshotStamp(string? StoreId, long Generation, long Vectors);

    private sealed record ShardEntry(string Version, string File, string Sha256, long Count, long TrainedOn, List<long> Tombstones);
}
