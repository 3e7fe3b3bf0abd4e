using System.Security.Cryptography;
using System.Text.Json;
using CadMl.Application.Common.Configuration;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>
/// A saved index written by the release before the v5 drawing stroke slots holds a v5 shard of
/// 73 dimensions. Found by an upgrade drill: loading it disposed the index and then read the
/// shard for the message, and the ObjectDisposedException stopped start-up.
/// </summary>
public sealed class SavedIndexLayoutTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_saved_v5_shard_of_the_earlier_73_slot_layout_is_stale_and_start_up_rebuilds()
    {
        var native = VectorFixtures.Native();
        var spec = new FaissIndexSpec(FaissKind.Flat);
        var faiss = Path.Combine(_folder, "faiss");
        Directory.CreateDirectory(faiss);
        var file = Path.Combine(faiss, "v5.7-1.faiss");
        var (vectors, seqs) = VectorFixtures.RowMajor(VectorFixtures.Random(3, 73, seed: 5));
        using (var earlier = FaissIndex.Create(native, 73, spec))
        {
            earlier.Add(vectors, seqs);
            earlier.WriteFile(file);
        }

        WriteManifest(faiss, spec, Path.GetFileName(file), count: 3);
        var options = Options.Create(new DataOptions { DataDir = _folder });
        var files = new FaissIndexFiles(options, TimeProvider.System, new SqliteDatabase(options, new StoreStatus()));

        var (index, _, status, detail) = files.TryLoad(native, spec, generation: 7, builtAtTimestamp: 0);

        index.Should().BeNull();
        status.Should().Be("stale", "a valid file of an earlier layout is outdated, not damaged");
        detail.Should().Contain("dimension 73").And.Contain("has 103");
    }

    private static void WriteManifest(string folder, FaissIndexSpec spec, string file, long count)
    {
        string sha;
        using (var stream = File.OpenRead(Path.Combine(folder, file)))
        {
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        // The manifest as FaissIndexFiles.Save writes it (snake_case), without a store id.
        var manifest = new Dictionary<string, object?>
        {
            ["schema"] = FaissIndexFiles.SchemaVersion,
            ["kind"] = spec.Name,
            ["hnsw_m"] = spec.HnswM,
            ["hnsw_ef_construction"] = spec.HnswEfConstruction,
            ["hnsw_ef_search"] = spec.HnswEfSearch,
            ["ivf_nlist"] = spec.IvfNlist,
            ["ivf_nprobe"] = spec.IvfNprobe,
            ["generation"] = 7,
            ["saved_at"] = DateTimeOffset.UnixEpoch,
            ["shards"] = new[] { new Dictionary<string, object> { ["version"] = "v5", ["file"] = file, ["sha256"] = sha, ["count"] = count, ["trained_on"] = 0, ["tombstones"] = Array.Empty<long>() } },
            ["store_id"] = null,
        };
        File.WriteAllBytes(Path.Combine(folder, "manifest.json"), JsonSerializer.SerializeToUtf8Bytes(manifest));
    }
}
