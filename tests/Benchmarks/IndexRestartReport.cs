using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace CadMl.Benchmarks;

/// <summary>
/// Restart with a saved FAISS index that the store has moved past: N vectors written through the
/// store's own write path (generations and change log included), the index built and saved by a
/// first start, W writes (inserts, replacements, deletions) made after the snapshot, then a second
/// start through the real composition (default settings: HNSW at 100k and more is activated in the
/// background while exact search serves). Measures the time from the start until FAISS serves with
/// every one of the W writes visible (each late insert its own top-1 from FAISS, each deleted or
/// replaced vector gone), and reports how the index got there (replayed changes, rebuilds).
/// Run: build/bench restart [vectors] [--writes W] [--index hnsw|flat] [--cache DIR]
/// With --cache, the seeded store and the first start's saved index are kept in DIR/&lt;kind&gt;-&lt;vectors&gt;
/// and copied from there on the next run: building 1M HNSW once takes many minutes on a loaded
/// machine, and it is the second start that is measured.
/// </summary>
internal static class IndexRestartReport
{
    public static async Task RunAsync(string[] args)
    {
        var count = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && int.TryParse(a, out _)) is { } n
            ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        var writes = int.Parse(Option(args, "--writes") ?? "10000", CultureInfo.InvariantCulture);
        var kind = Option(args, "--index") ?? "hnsw";
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-restart-bench", Guid.NewGuid().ToString("N"));
        try
        {
            var cache = Option(args, "--cache") is { } root ? Path.Combine(root, $"{kind}-{count}") : null;
            if (cache is not null && File.Exists(Path.Combine(cache, Prepared)))
            {
                CopyDirectory(cache, dataDir);
                Console.WriteLine($"seeded store and {kind} snapshot copied from {cache}");
            }
            else
            {
                await PrepareAsync(dataDir, count, kind);
                if (cache is not null)
                {
                    CopyDirectory(dataDir, cache);
                    await File.WriteAllTextAsync(Path.Combine(cache, Prepared), $"{count} {kind}");
                }
            }

            // After the snapshot: 70 % new vectors, 15 % replacements, 15 % deletions.
            var late = new List<int>();
            var gone = new List<int>();
            await WriteAsync(dataDir, async (_, store) =>
            {
                var pending = new List<Task>();
                for (var i = 0; i < writes; i++)
                {
                    var victim = (int)((long)i * 7919 % count);
                    switch (i % 20)
                    {
                        case < 3:
                            pending.Add(store.DeleteAsync($"seed-{victim}", DateTimeOffset.UnixEpoch, _ => { }));
                            gone.Add(victim);
                            break;
                        case < 6:
                            pending.Add(store.UpsertAsync($"seed-{victim}", Vector(count + writes + i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { }));
                            gone.Add(victim);
                            break;
                        default:
                            pending.Add(store.UpsertAsync($"late-{i}", Vector(count + i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, _ => { }));
                            late.Add(i);
                            break;
                    }
                }

                await Task.WhenAll(pending);
            });

            var clock = Stopwatch.StartNew();
            var second = await VectorMigrationReport.StartAsync(dataDir, kind, new ConcurrentQueue<string>());
            var started = clock.Elapsed;
            var index = second.Provider.GetRequiredService<IVectorIndex>();
            await Poll.UntilAsync(() => index.Facts().Backend == "faiss", TimeSpan.FromMinutes(30));
            var serving = clock.Elapsed;
            // Top 10, not top 1: HNSW is approximate, and a miss must mean "not in the index", not "ranked second".
            var missing = late.Count(i => Top(index, Vector(count + i).Values) is not ("faiss", var ids) || !ids.Contains($"late-{i}"));
            var stale = gone.Count(i => Top(index, Vector(i).Values).Ids.Contains($"seed-{i}"));
            var checkedAt = clock.Elapsed;
            var metrics = await MetricsAsync(second.Provider);
            Console.WriteLine("| vectors | writes since snapshot | kind | hosted start s | FAISS serving s | late writes not in top 10 | removed still in top 10 | replayed | rebuilds | import |");
            Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---|");
            Console.WriteLine($"| {count:N0} | {writes:N0} | {kind} | {started.TotalSeconds:F1} | {serving.TotalSeconds:F1} | {missing} | {stale} | "
                + $"{metrics.GetValueOrDefault("vector_index_replayed_changes_total")} | {metrics.GetValueOrDefault("faiss_rebuild_total{status=\"ok\"}")} | "
                + $"{string.Join(", ", metrics.Where(m => m.Key.StartsWith("faiss_import_total", StringComparison.Ordinal)).Select(m => $"{m.Key[(m.Key.IndexOf('"', StringComparison.Ordinal) + 1)..^2]}={m.Value}"))} |");
            Console.WriteLine($"(checking {late.Count + gone.Count} writes took {(checkedAt - serving).TotalSeconds:F1} s more)");
            await StopAsync(second);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private const string Prepared = "prepared";

    /// <summary>Seeds the store through its write path and lets a first start build and save the index.</summary>
    private static async Task PrepareAsync(string dataDir, int count, string kind)
    {
        await StopAsync(await VectorMigrationReport.StartAsync(dataDir, "exact", new ConcurrentQueue<string>()));
        var clock = Stopwatch.StartNew();
        await WriteAsync(dataDir, async (writer, _) =>
        {
            for (var start = 0; start < count; start += 5_000)
            {
                var from = start;
                await writer.WriteAsync((connection, transaction) =>
                {
                    for (var i = from; i < Math.Min(count, from + 5_000); i++)
                    {
                        SqliteVectorWrites.Upsert(connection, transaction, $"seed-{i}", Vector(i), new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
                    }

                    return true;
                });
            }
        });
        Console.WriteLine($"seeded {count} vectors in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        var first = await VectorMigrationReport.StartAsync(dataDir, kind, new ConcurrentQueue<string>());
        await Poll.UntilAsync(() => first.Provider.GetRequiredService<IVectorIndex>().Facts().Backend == "faiss", TimeSpan.FromHours(2));
        Console.WriteLine($"first start: FAISS {kind} built and serving after {clock.Elapsed.TotalSeconds:F1} s");
        await StopAsync(first);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)), overwrite: true);
        }
    }

    private static (string Backend, List<string> Ids) Top(IVectorIndex index, IReadOnlyList<double> query)
    {
        var outcome = index.Search(new VectorSearchRequest(FeatureVersion.V4, query, 10, null, null));
        return (outcome.Backend, [.. outcome.Hits.Select(h => h.Id)]);
    }

    private static async Task WriteAsync(string dataDir, Func<SqliteWriter, VectorStore, Task> work)
    {
        var database = new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new Application.Common.Configuration.DataOptions { DataDir = dataDir }));
        database.MarkOpen("restart-bench", new Dictionary<string, object?>());
        var writer = new SqliteWriter(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<SqliteWriter>.Instance);
        await using (writer)
        {
            await work(writer, new VectorStore(new SqliteStoreDatabase(database, writer), Microsoft.Extensions.Logging.Abstractions.NullLogger<VectorStore>.Instance));
        }
    }

    private static async Task StopAsync((ServiceProvider Provider, List<IHostedService> Hosted) host)
    {
        foreach (var service in Enumerable.Reverse(host.Hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        await host.Provider.DisposeAsync();
    }

    private static async Task<Dictionary<string, double>> MetricsAsync(IServiceProvider provider)
    {
        using var stream = new MemoryStream();
        await provider.GetRequiredService<CollectorRegistry>().CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => (Name: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
            .GroupBy(m => m.Name)
            .ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
    }

    private static FeatureVector Vector(int seed)
    {
        var random = new Random(seed);
        FeatureVector.TryCreate(FeatureVersion.V4, [.. Enumerable.Range(0, 24).Select(_ => (random.NextDouble() * 2) - 1)], out var vector);
        return vector!;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
