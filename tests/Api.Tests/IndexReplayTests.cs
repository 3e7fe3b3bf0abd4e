using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Common.Configuration;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CadMl.Api.Tests;

/// <summary>
/// The FAISS index as a derived view of the store, checked on the real service in a child process:
/// a saved index older than the store is brought up to date from the change log (not rebuilt),
/// and kill -9 at random moments of a write stream with frequent saves never leaves the index
/// holding other ids than the store, nor makes a restart rebuild while a snapshot and the log exist.
/// </summary>
public sealed class IndexReplayTests
{
    private static readonly Dictionary<string, string> Flat = new() { ["FAISS_INDEX_TYPE"] = "flat" };

    [Fact]
    public async Task A_restart_at_100k_vectors_replays_the_writes_since_the_snapshot_instead_of_rebuilding()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            // Exact only: the store is created without a FAISS snapshot, so the next start builds one.
            await using (var creating = await ServiceProcess.StartAsync(dataDir, new Dictionary<string, string> { ["FAISS_INDEX_TYPE"] = "exact" }))
            {
                await creating.StopAsync();
            }

            await WithStoreAsync(dataDir, async (writer, store) =>
            {
                for (var start = 0; start < 100_000; start += 5_000)
                {
                    var from = start;
                    await writer.WriteAsync((connection, transaction) =>
                    {
                        for (var i = from; i < from + 5_000; i++)
                        {
                            SqliteVectorWrites.Upsert(connection, transaction, $"seed-{i}", V4(i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
                        }

                        return true;
                    });
                }
            });

            // Builds FAISS from the 100k stored vectors and saves it; SIGKILL then leaves that snapshot as it is.
            await using (var building = await ServiceProcess.StartAsync(dataDir, Flat))
            {
                (await MetricAsync(building, "faiss_rebuild_total", "status=\"ok\"")).Should().Be(1);
                await building.KillAsync();
            }

            // 1,000 writes after the snapshot: new vectors, replacements and deletions.
            await WithStoreAsync(dataDir, async (_, store) =>
            {
                var writes = new List<Task>();
                for (var i = 0; i < 1_000; i++)
                {
                    writes.Add((i % 5) switch
                    {
                        0 => store.DeleteAsync($"seed-{i}", DateTimeOffset.UnixEpoch, _ => { }),
                        1 => store.UpsertAsync($"seed-{i}", V4(500_000 + i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { }),
                        _ => store.UpsertAsync($"late-{i}", V4(200_000 + i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { }),
                    });
                }

                await Task.WhenAll(writes);

                // Inside one replay batch: an insert later deleted must end deleted, and a vector
                // replaced twice more must end as its last value only.
                for (var k = 0; k < 10; k++)
                {
                    await store.UpsertAsync($"transient-{k}", V4(900_000 + k), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { });
                    await store.DeleteAsync($"transient-{k}", DateTimeOffset.UnixEpoch, _ => { });
                }

                await store.UpsertAsync("seed-11", V4(600_011), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { });
                await store.UpsertAsync("seed-11", V4(700_011), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { });
            });

            await using var restarted = await ServiceProcess.StartAsync(dataDir, Flat);
            (await MetricAsync(restarted, "faiss_import_total", "status=\"ok\"")).Should().Be(1, "the saved index is used");
            (await MetricAsync(restarted, "faiss_rebuild_total", "status=\"ok\"")).Should().Be(0, "a replay, not a rebuild");
            (await MetricAsync(restarted, "vector_index_replayed_changes_total")).Should().Be(1_022);
            (await MetricAsync(restarted, "vector_index_lag_generations")).Should().Be(0);
            (await MetricAsync(restarted, "faiss_index_size")).Should().Be(100_000 + 600 - 200);

            using var client = restarted.CreateClient();
            var health = await client.GetFromJsonAsync<JsonElement>("/api/v1/health/faiss/health");
            var index = health.GetProperty("index");
            index.GetProperty("applied_generation").GetInt64().Should().Be(index.GetProperty("store_generation").GetInt64());
            index.GetProperty("applied_generation").GetInt64().Should().Be(101_022);
            (await MetricAsync(restarted, "vector_index_applied_generation")).Should().Be(101_022);

            foreach (var id in new[] { "late-2", "late-998", "seed-1", "seed-996" })
            {
                var hit = await TopAsync(client, new { id, k = 1, exclude_self = false });
                hit.Backend.Should().Be("faiss");
                hit.Id.Should().Be(id);
            }

            // The replaced vector's old value and the deleted vector are gone from the index.
            (await TopAsync(client, new { vector = V4(1).Values, feature_version = "v4", k = 1 })).Id.Should().NotBe("seed-1");
            (await TopAsync(client, new { vector = V4(5).Values, feature_version = "v4", k = 1 })).Id.Should().NotBe("seed-5");
            (await TopAsync(client, new { vector = V4(700_011).Values, feature_version = "v4", k = 1 })).Id.Should().Be("seed-11");
            foreach (var stale in new[] { V4(11), V4(500_011), V4(600_011) })
            {
                (await TopAsync(client, new { vector = stale.Values, feature_version = "v4", k = 1 })).Id.Should().NotBe("seed-11");
            }

            for (var k = 0; k < 10; k++)
            {
                (await TopAsync(client, new { vector = V4(900_000 + k).Values, feature_version = "v4", k = 1 })).Id.Should().NotBe($"transient-{k}");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_snapshot_older_than_the_trimmed_log_is_reported_stale_and_rebuilt()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            await using (var first = await ServiceProcess.StartAsync(dataDir, Flat))
            {
                using var client = first.CreateClient();
                for (var i = 0; i < 20; i++)
                {
                    (await client.PostAsJsonAsync("/api/v1/vectors", new { id = $"p-{i}", vector = VectorsApiTests.Vector(i) })).StatusCode.Should().Be(HttpStatusCode.Created);
                }

                await first.StopAsync(); // saves at generation 20 and trims the log through it
            }

            await WithStoreAsync(dataDir, async (_, store) =>
                await store.UpsertAsync("after", V4(77), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { }));
            // What a store without the log (written before it existed) or trimmed too far looks like.
            Execute(dataDir, "DELETE FROM vector_changes;");

            await using var second = await ServiceProcess.StartAsync(dataDir, Flat);
            (await MetricAsync(second, "faiss_import_total", "status=\"stale\"")).Should().Be(1);
            (await MetricAsync(second, "faiss_rebuild_total", "status=\"ok\"")).Should().Be(1);
            using var again = second.CreateClient();
            (await TopAsync(again, new { id = "after", k = 1, exclude_self = false })).Should().Be(("faiss", "after"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Exact_mode_keeps_no_snapshot_so_it_trims_the_change_log_it_does_not_need()
    {
        var dataDir = CadMlFactory.NewDataDir();
        try
        {
            await using var service = await ServiceProcess.StartAsync(dataDir, new Dictionary<string, string>
            {
                ["FAISS_INDEX_TYPE"] = "exact",
                ["FAISS_SAVE_INTERVAL_SECONDS"] = "1",
            });
            using var client = service.CreateClient();
            for (var i = 0; i < 20; i++)
            {
                (await client.PostAsJsonAsync("/api/v1/vectors", new { id = $"e-{i}", vector = VectorsApiTests.Vector(i) })).StatusCode.Should().Be(HttpStatusCode.Created);
            }

            // 20 changes were logged; nothing holds them in exact mode (a timeout fails the test).
            await Poll.UntilAsync(() => ChangeRows(dataDir) == 0, TimeSpan.FromSeconds(30));
            StoredIds(dataDir).Should().HaveCount(20);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>
    /// 20 kills per index kind at a different point of an insert+delete stream each time, with the
    /// index saved every second. After each restart: every acknowledged write is in the store,
    /// the index holds exactly the store's ids, and once a snapshot exists no start rebuilds.
    /// </summary>
    [Theory]
    [InlineData("flat")]
    [InlineData("hnsw")]
    public async Task Kill_9_at_20_moments_of_a_write_stream_loses_nothing_and_restarts_replay_without_rebuilding(string kind)
    {
        var dataDir = CadMlFactory.NewDataDir();
        // A quarter of the stream deletes, so HNSW tombstones pass the default 20 % and maintenance
        // rebuilds a second after a start; that rebuild counts in the same metric as a start
        // rebuild, so it is switched off here to make "no start rebuilds" what the metric says.
        var settings = new Dictionary<string, string>
        {
            ["FAISS_INDEX_TYPE"] = kind,
            ["FAISS_SAVE_INTERVAL_SECONDS"] = "1",
            ["FAISS_TOMBSTONE_REBUILD_RATIO"] = "1",
        };
        var random = new Random(kind.Length);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        var inFlight = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        var rebuildsWithSnapshot = 0;
        try
        {
            for (var trial = 0; trial < 20; trial++)
            {
                await using (var service = await ServiceProcess.StartAsync(dataDir, settings))
                {
                    var imported = await MetricAsync(service, "faiss_import_total", "status=\"ok\"");
                    var rebuilt = await MetricAsync(service, "faiss_rebuild_total", "status=\"ok\"");
                    (await MetricAsync(service, "faiss_import_total", "status=\"stale\"")).Should().Be(0, "trial {0}: the log covers every snapshot", trial);
                    (await MetricAsync(service, "faiss_import_total", "status=\"corrupt\"")).Should().Be(0, "trial {0}", trial);
                    if (imported == 1 && rebuilt > 0)
                    {
                        rebuildsWithSnapshot++;
                    }

                    await IndexMatchesStoreAsync(service, dataDir, trial);

                    using var client = service.CreateClient();
                    using var admin = service.CreateClient();
                    admin.DefaultRequestHeaders.Add("X-Admin-Token", CadMlFactory.AdminToken);
                    var killAfter = 10 + random.Next(60);
                    var done = 0;
                    using var stop = new CancellationTokenSource();
                    var streams = Enumerable.Range(0, 4).Select(stream => Task.Run(async () =>
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            var n = Interlocked.Increment(ref next);
                            try
                            {
                                if (n % 4 == 0 && Pick(acknowledged, n) is { } victim)
                                {
                                    lock (acknowledged)
                                    {
                                        inFlight.Add(victim);
                                    }

                                    if ((await admin.DeleteAsync($"/api/v1/vectors/{victim}")).StatusCode == HttpStatusCode.OK)
                                    {
                                        lock (acknowledged)
                                        {
                                            acknowledged.Remove(victim);
                                            deleted.Add(victim);
                                        }
                                    }
                                }
                                else if ((await client.PostAsJsonAsync("/api/v1/vectors", new { id = $"k-{n}", vector = VectorsApiTests.Vector(n) })).StatusCode == HttpStatusCode.Created)
                                {
                                    lock (acknowledged)
                                    {
                                        acknowledged.Add($"k-{n}");
                                    }
                                }

                                Interlocked.Increment(ref done);
                            }
                            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
                            {
                                return;
                            }
                        }
                    })).ToList();

                    await Poll.UntilAsync(() => Volatile.Read(ref done) >= killAfter, TimeSpan.FromSeconds(60));
                    await service.KillAsync();
                    await stop.CancelAsync();
                    await Task.WhenAll(streams);
                }

                var stored = StoredIds(dataDir);
                lock (acknowledged)
                {
                    // A delete sent but not answered before the kill may or may not have committed.
                    stored.Should().Contain(acknowledged.Where(id => !inFlight.Contains(id)), "trial {0} acknowledged them", trial);
                    stored.Should().NotIntersectWith(deleted, "trial {0} acknowledged their deletion", trial);
                    foreach (var id in inFlight.Where(id => !stored.Contains(id)))
                    {
                        acknowledged.Remove(id);
                        deleted.Add(id);
                    }

                    inFlight.Clear();
                }
            }

            await using var last = await ServiceProcess.StartAsync(dataDir, settings);
            await IndexMatchesStoreAsync(last, dataDir, 20);
            rebuildsWithSnapshot.Should().Be(0, "no start rebuilds while a valid snapshot and the log exist");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static string? Pick(HashSet<string> acknowledged, int n)
    {
        lock (acknowledged)
        {
            return acknowledged.Count == 0 ? null : acknowledged.ElementAt(n % acknowledged.Count);
        }
    }

    /// <summary>The index's ids are the store's: FAISS serves, holds as many vectors as the store, and finds each stored id as its own nearest.</summary>
    private static async Task IndexMatchesStoreAsync(ServiceProcess service, string dataDir, int trial)
    {
        using var client = service.CreateClient();
        var stored = StoredIds(dataDir);
        (await MetricAsync(service, "faiss_index_size")).Should().Be(stored.Count, "trial {0}: the index holds as many vectors as the store", trial);
        foreach (var id in stored)
        {
            (await TopAsync(client, new { id, k = 1, exclude_self = false })).Should().Be(("faiss", id), "trial {0}", trial);
        }
    }

    private static async Task<(string Backend, string? Id)> TopAsync(HttpClient client, object query)
    {
        var response = await client.PostAsJsonAsync("/api/v1/vectors/search", query);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var results = body.GetProperty("results");
        return (body.GetProperty("backend").GetString()!, results.GetArrayLength() == 0 ? null : results[0].GetProperty("id").GetString());
    }

    /// <summary>The value of one sample of /metrics (0 when the series has not been written).</summary>
    internal static async Task<double> MetricAsync(ServiceProcess service, string name, string? labels = null)
    {
        using var client = service.CreateClient();
        var text = await client.GetStringAsync("/metrics");
        var prefix = labels is null ? name + " " : name + "{";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal) && (labels is null || line.Contains(labels, StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static HashSet<string> StoredIds(string dataDir)
    {
        using var connection = Connect(dataDir);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM vectors;";
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static long ChangeRows(string dataDir)
    {
        using var connection = Connect(dataDir);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM vector_changes;";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string dataDir, string sql)
    {
        using var connection = Connect(dataDir);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Connect(string dataDir)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, SqliteDatabase.FileName), Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Writes through the service's own store code (generation and change log included) while the service is down.</summary>
    private static async Task WithStoreAsync(string dataDir, Func<SqliteWriter, VectorStore, Task> work)
    {
        var database = new SqliteDatabase(Options.Create(new DataOptions { DataDir = dataDir }));
        database.MarkOpen("index-replay-test", new Dictionary<string, object?>());
        var writer = new SqliteWriter(database, NullLogger<SqliteWriter>.Instance);
        await using (writer)
        {
            await work(writer, new VectorStore(new SqliteStoreDatabase(database, writer), NullLogger<VectorStore>.Instance));
        }
    }

    private static FeatureVector V4(int seed)
    {
        FeatureVector.TryCreate(FeatureVersion.V4, VectorsApiTests.Vector(seed), out var vector);
        return vector!;
    }
}
