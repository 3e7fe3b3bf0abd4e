using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Storage.Postgres;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// Schema steps on a shared PostgreSQL store: processes starting together apply each step exactly
/// once (the advisory lock), and expand-then-contract keeps the previous release ready against the
/// schema a newer one moved to, until a contraction declares it too old, which is then refused with
/// <c>STORE_SCHEMA_INCOMPATIBLE</c>. Real server, real initialisers.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private readonly List<string> _folders = [];
    private readonly List<PostgresDatabase> _databases = [];
    private string _url = null!;

    public async Task InitializeAsync() => _url = await postgres.Server.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Three_instances_starting_together_on_an_empty_database_apply_each_step_once_and_open_the_same_store()
    {
        var instances = Enumerable.Range(0, 3).Select(_ => Instance()).ToList();

        await Task.WhenAll(instances.Select(i => Task.Run(() => i.Initializer.StartAsync(CancellationToken.None))));

        instances.Should().OnlyContain(i => i.Status.IsReady);
        instances.Select(i => i.Status.StoreId).Distinct().Should().ContainSingle();
        (await StepsAsync()).Should().Equal(Enumerable.Range(1, PostgresDatabase.SchemaVersion));
    }

    [Fact]
    public async Task Concurrent_migrations_through_several_steps_apply_each_step_exactly_once()
    {
        // Slow steps widen the window in which an unlocked migration would apply a step twice (and fail on CREATE TABLE).
        var steps = PostgresSchema.Steps.Concat(Enumerable.Range(1, 3).Select(i => new SchemaStep($"SELECT pg_sleep(0.2); CREATE TABLE expand_{i} (x INTEGER);"))).ToList();
        var databases = Enumerable.Range(0, 3).Select(_ => Instance().Database).ToList();

        var states = await Task.WhenAll(databases.Select((d, i) => Task.Run(() => d.MigrateAsync(CancellationToken.None, steps, $"instance-{i}"))));

        states.Should().OnlyContain(s => s.Version == steps.Count && s.Verdict!.Action == Domain.Storage.SchemaAction.Open);
        (await StepsAsync()).Should().Equal(Enumerable.Range(1, steps.Count));
    }

    [Fact]
    public async Task The_previous_release_stays_ready_after_an_expansion_and_is_refused_with_a_clear_code_after_a_contraction()
    {
        var build = PostgresDatabase.SchemaVersion;
        var expanded = PostgresSchema.Steps.Append(new SchemaStep("ALTER TABLE vectors ADD COLUMN source_hint TEXT;")).ToList();
        var contracted = expanded.Append(new SchemaStep("ALTER TABLE analyses DROP COLUMN cache_hit;", MinCompatible: build + 2)).ToList();

        var next = await Instance().Database.MigrateAsync(CancellationToken.None, expanded);
        var previous = Instance();
        await previous.Initializer.StartAsync(CancellationToken.None);

        next.Version.Should().Be(build + 1);
        previous.Status.IsReady.Should().BeTrue("an expand step keeps the store's minimum compatible schema at 1");
        previous.Status.Condition.Facts["store_schema"].Should().Be(build + 1);

        await Instance().Database.MigrateAsync(CancellationToken.None, contracted);
        var tooOld = Instance();
        await tooOld.Initializer.StartAsync(CancellationToken.None);

        tooOld.Status.IsReady.Should().BeFalse();
        var problem = tooOld.Status.Condition.ToProblem();
        problem.Error.Should().Be(ErrorCodes.StoreSchemaIncompatible);
        problem.Error.HttpStatus.Should().Be(503);
        problem.Context.Should().Contain(new KeyValuePair<string, object?>("store_schema", build + 2))
            .And.Contain(new KeyValuePair<string, object?>("store_min_compatible", build + 2))
            .And.Contain(new KeyValuePair<string, object?>("build_schema", build));
        (await StepsAsync()).Should().HaveCount(build + 2, "the refused build changed nothing");
    }

    [Fact]
    public async Task A_replica_whose_folder_belonged_to_another_store_does_not_start_empty_on_a_new_database()
    {
        var instance = Instance();
        File.WriteAllText(Path.Combine(instance.Folder, StoreRecordFile.FileName), """{"schema":1,"store_id":"0123456789abcdef","recorded_at":"2026-12-01T00:00:00Z"}""");

        await instance.Initializer.StartAsync(CancellationToken.None);

        instance.Status.Condition.Code.Should().Be("STORE_MISSING");
        (await StepsAsync()).Should().BeEmpty("nothing is created next to a refused folder");
    }

    private (PostgresDatabase Database, PostgresStoreInitializer Initializer, StoreStatus Status, string Folder) Instance()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        _folders.Add(folder);
        var options = Options.Create(new DataOptions { DataDir = folder, StoreBackend = DataOptions.PostgresBackend, DatabaseUrl = _url, ConnectSeconds = 5 });
        var status = new StoreStatus(DataOptions.PostgresBackend, PostgresDatabase.SchemaVersion);
        var database = new PostgresDatabase(options, status);
        _databases.Add(database);
        var snapshots = new FaissIndexFiles(options, TimeProvider.System, new SqliteDatabase(options, status));
        var initializer = new PostgresStoreInitializer(database, snapshots, options, TimeProvider.System, NullLogger<PostgresStoreInitializer>.Instance);
        return (database, initializer, status, folder);
    }

    private async Task<List<int>> StepsAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresDatabase.ConnectionString(_url));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT step FROM schema_steps ORDER BY step;", connection);
        var steps = new List<int>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                steps.Add(reader.GetInt32(0));
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No schema at all: not a single step was applied.
        }

        return steps;
    }
}
