using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CadMl.Application;
using CadMl.Application.Migration.MigrateVectors;
using CadMl.Application.Vectors.SearchVectors;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Infrastructure;
using CadMl.Infrastructure.Storage;
using Mediator;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CadMl.Benchmarks;

/// <summary>
/// A whole-store migration v3 → v4 through the real composition (Mediator pipeline, SQLite,
/// FAISS, staged switch) while one client searches without pause. Half the vectors come with an
/// analysis document (recompute), half without (pad). Reports wall time, throughput, peak RSS
/// over the loaded service, and search latency before and during the run. BenchmarkDotNet does
/// not fit: one run is a stateful, multi-second operation with a concurrent load.
/// Run: build/bench migration [vectors] [--repeat n] [--batch b,...] [--index flat|hnsw|exact]
/// </summary>
internal static class VectorMigrationReport
{
    public static async Task RunAsync(string[] args)
    {
        var count = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && int.TryParse(a, out _)) is { } n
            ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        var repeat = int.Parse(Option(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        var batches = (Option(args, "--batch") ?? "500").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        var kind = Option(args, "--index") ?? "flat";

        var template = Path.Combine(Path.GetTempPath(), "cadml-migration-bench", "template-" + Guid.NewGuid().ToString("N"));
        await SeedAsync(template, count, kind);
        Console.WriteLine($"seeded {count} v3 vectors ({count / 2} with documents) in {template}");
        Console.WriteLine("| batch | run | total s | vectors/s | switch ms | loaded RSS MB | peak RSS over loaded MB | searches | search p50 µs (idle) | p50 µs (during) | p99 µs (idle) | p99 µs (during) | max ms (during) | failed |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var batch in batches)
        {
            for (var run = 1; run <= repeat; run++)
            {
                var dataDir = Path.Combine(Path.GetTempPath(), "cadml-migration-bench", Guid.NewGuid().ToString("N"));
                CopyStore(template, dataDir);
                try
                {
                    Console.WriteLine(await OneRunAsync(dataDir, kind, count, batch, run));
                }
                finally
                {
                    Directory.Delete(dataDir, recursive: true);
                }
            }
        }

        Directory.Delete(template, recursive: true);
    }

    private static async Task<string> OneRunAsync(string dataDir, string kind, int count, int batch, int run)
    {
        var switches = new ConcurrentQueue<string>();
        var (provider, hosted) = await StartAsync(dataDir, kind, switches);
        try
        {
            var queries = Queries(200);
            using var idleScope = provider.CreateScope();
            var idle = await SearchForAsync(idleScope.ServiceProvider.GetRequiredService<ISender>(), queries, TimeSpan.FromSeconds(3), null);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var loaded = Rss();
            ResetPeakRss();

            using var scope = provider.CreateScope();
            using var stop = new CancellationTokenSource();
            using var searchScope = provider.CreateScope();
            var searching = Task.Run(() => SearchForAsync(searchScope.ServiceProvider.GetRequiredService<ISender>(), queries, null, stop.Token));
            var clock = Stopwatch.StartNew();
            var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new MigrateVectorsCommand(null, "v4", BatchSize: batch));
            var seconds = clock.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            var during = await searching;
            var peak = PeakRss();

            if (!result.IsSuccess || result.Value.Totals.Migrated != count)
            {
                throw new InvalidOperationException($"migration did not migrate every vector: {result.Status} {JsonSerializer.Serialize(result.Value?.Totals)}");
            }

            var switchMs = switches.LastOrDefault() ?? "?";
            return string.Create(CultureInfo.InvariantCulture,
                $"| {batch} | {run} | {seconds:F1} | {count / seconds:F0} | {switchMs} | {loaded / 1048576.0:F0} | {(peak - loaded) / 1048576.0:F0} | {during.Latencies.Count} | " +
                $"{Percentile(idle.Latencies, 0.5):F0} | {Percentile(during.Latencies, 0.5):F0} | {Percentile(idle.Latencies, 0.99):F0} | {Percentile(during.Latencies, 0.99):F0} | " +
                $"{during.Latencies.Max() / 1000:F1} | {during.Failed} |");
        }
        finally
        {
            foreach (var service in Enumerable.Reverse(hosted))
            {
                await service.StopAsync(CancellationToken.None);
            }

            await provider.DisposeAsync();
        }
    }

    /// <summary>Alternating v3 and v4 searches (k = 10) until stopped or for <paramref name="duration"/>; latency of each in µs.</summary>
    private static async Task<(List<double> Latencies, int Failed)> SearchForAsync(ISender sender, double[][] queries, TimeSpan? duration, CancellationToken? stop)
    {
        var latencies = new List<double>();
        var failed = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; duration is { } d ? clock.Elapsed < d : !stop!.Value.IsCancellationRequested; i++)
        {
            var query = queries[i % queries.Length];
            var v4 = i % 2 == 0;
            var started = Stopwatch.GetTimestamp();
            var result = await sender.Send(new SearchVectorsQuery(Vector: v4 ? query : query[..22], FeatureVersion: v4 ? "v4" : "v3", K: 10));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            if (!result.IsSuccess)
            {
                failed++;
            }
        }

        return (latencies, failed);
    }

    private static async Task SeedAsync(string dataDir, int count, string kind)
    {
        var (provider, hosted) = await StartAsync(dataDir, kind, new ConcurrentQueue<string>());
        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        await provider.DisposeAsync();

        var random = new Random(7);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "cadml.db")};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var vector = connection.CreateCommand();
        vector.Transaction = transaction;
        vector.CommandText = """
            INSERT INTO vectors (id, feature_version, vector, material, format, meta, created_at)
            VALUES ($id, 'v3', $vector, 'steel', 'dxf', '{"format":"dxf","material":"steel"}', '2025-01-01T00:00:00.0000000Z');
            """;
        var vectorId = vector.Parameters.Add("$id", SqliteType.Text);
        var vectorBlob = vector.Parameters.Add("$vector", SqliteType.Blob);
        await using var analysis = connection.CreateCommand();
        analysis.Transaction = transaction;
        analysis.CommandText = """
            INSERT INTO analyses (id, created_at, created_ts, file_name, format, sha256, size_bytes, feature_version, vector, document, cache_hit, timings)
            VALUES ($id, '2025-01-01T00:00:00.0000000Z', 1735689600, 'part.dxf', 'dxf', $id, 1000, 'v3', $vector, $document, 0, '{}');
            """;
        var analysisId = analysis.Parameters.Add("$id", SqliteType.Text);
        var analysisVector = analysis.Parameters.Add("$vector", SqliteType.Text);
        var analysisDocument = analysis.Parameters.Add("$document", SqliteType.Text);

        for (var i = 0; i < count; i++)
        {
            var id = Guid.CreateVersion7().ToString();
            double[] values;
            if (i % 2 == 0)
            {
                var document = Document(random);
                values = [.. FeatureExtractor.Extract(document, FeatureVersion.V3).Values];
                (analysisId.Value, analysisVector.Value, analysisDocument.Value) = (id, JsonSerializer.Serialize(values), CadDocumentJson.Serialize(document));
                await analysis.ExecuteNonQueryAsync();
            }
            else
            {
                values = [.. Enumerable.Range(0, 22).Select(_ => random.NextDouble() * 100)];
            }

            (vectorId.Value, vectorBlob.Value) = (id, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
            await vector.ExecuteNonQueryAsync();
        }

        await using var bump = connection.CreateCommand();
        bump.Transaction = transaction;
        bump.CommandText = "UPDATE store_counters SET value = value + 1 WHERE name = 'vector_generation';";
        await bump.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await checkpoint.ExecuteNonQueryAsync();
    }

    /// <summary>A drawing-like summary: a handful of kinds and layers with random counts and extents.</summary>
    private static CadDocument Document(Random random)
    {
        string[] kinds = ["LINE", "CIRCLE", "ARC", "LWPOLYLINE", "TEXT", "INSERT", "SPLINE", "HATCH"];
        var counts = new CountTable(kinds.Take(random.Next(2, kinds.Length)).Select(k => new NamedCount(k, random.Next(1, 400))));
        var layers = new CountTable(Enumerable.Range(0, random.Next(1, 6)).Select(l => new NamedCount($"L{l}", random.Next(1, 100))));
        var box = new BoundingBox(0, 0, 0, random.NextDouble() * 500, random.NextDouble() * 300, 0);
        return new CadDocument(CadFormat.Dxf, counts, layers, box, CadMetadata.None);
    }

    internal static async Task<(ServiceProvider Provider, List<IHostedService> Hosted)> StartAsync(string dataDir, string kind, ConcurrentQueue<string> switches)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATA_DIR"] = dataDir,
            ["FAISS_INDEX_TYPE"] = kind,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(new SwitchLog(switches)));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new BenchEnvironment(dataDir));
        services.AddApplication(configuration).AddInfrastructure(configuration);
        var provider = services.BuildServiceProvider();
        var hosted = new List<IHostedService>();
        foreach (var service in provider.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
            hosted.Add(service);
        }

        return (provider, hosted);
    }

    private static void CopyStore(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "cadml.db*"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static double[][] Queries(int count)
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 24).Select(_ => random.NextDouble() * 100).ToArray())];
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static long Rss() => StatusKb("VmRSS:") * 1024;

    private static long PeakRss() => StatusKb("VmHWM:") * 1024;

    /// <summary>Linux: writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one.</summary>
    private static void ResetPeakRss() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long StatusKb(string field) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    private sealed class BenchEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;

        public string ApplicationName { get; set; } = "CadMl.Benchmarks";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    /// <summary>Captures the index's "Migration switched ... in N ms" line; everything else is dropped.</summary>
    private sealed class SwitchLog(ConcurrentQueue<string> switches) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (message.StartsWith("Migration switched", StringComparison.Ordinal))
            {
                switches.Enqueue(message[(message.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..].Replace(" ms", "", StringComparison.Ordinal));
            }
        }

        public void Dispose()
        {
        }
    }
}
