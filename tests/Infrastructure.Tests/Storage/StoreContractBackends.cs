using CadMl.Application.Common.Configuration;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Storage.Postgres;
using CadMl.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>The store contract on a SQLite file in a temp folder; a second "process" opens the same file.</summary>
public sealed class SqliteStoreContractTests : StoreContract
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));

    protected override async Task KeepFirstValuesAsync(string id, int values)
    {
        var database = new SqliteDatabase(Options.Create(new DataOptions { DataDir = _dataDir }));
        database.MarkOpen("contract", new Dictionary<string, object?>());
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE vectors SET vector = substr(vector, 1, $bytes) WHERE id = $id;";
        command.Parameters.AddWithValue("$bytes", values * sizeof(double));
        command.Parameters.AddWithValue("$id", id);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    protected override async Task<StoreUnderTest> OpenAsync()
    {
        var (writer, store) = await TempSqliteStore.OpenInAsync(_dataDir, "contract");
        return StoreUnderTest.Over(store, writer.DisposeAsync);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}

/// <summary>One real PostgreSQL server for the whole suite (started once, stopped at the end).</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres";
}

/// <summary>The store contract on a fresh database of a real PostgreSQL server; a second "process" has its own data source and writer.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresServerFixture postgres) : StoreContract
{
    private string? _url;
    private PostgresDatabase? _database;

    protected override async Task KeepFirstValuesAsync(string id, int values)
    {
        await using var connection = await _database!.OpenAsync(CancellationToken.None);
        await using var command = new Npgsql.NpgsqlCommand("UPDATE vectors SET vector = substring(vector from 1 for @bytes) WHERE id = @id;", connection);
        command.Parameters.AddWithValue("bytes", values * sizeof(double));
        command.Parameters.AddWithValue("id", id);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }

    protected override async Task<StoreUnderTest> OpenAsync()
    {
        _url ??= await postgres.Server.CreateDatabaseAsync();
        var status = new StoreStatus(DataOptions.PostgresBackend, PostgresDatabase.SchemaVersion);
        var database = new PostgresDatabase(Options.Create(new DataOptions { StoreBackend = DataOptions.PostgresBackend, DatabaseUrl = _url }), status);
        await database.MigrateAsync(CancellationToken.None);
        status.MarkOpen("contract", "postgres open", new Dictionary<string, object?>());
        _database ??= database;
        var writer = new PostgresWriter(database, NullLogger<PostgresWriter>.Instance);
        var store = new PostgresStoreDatabase(database, writer);
        return StoreUnderTest.Over(store, async () =>
        {
            await writer.DisposeAsync();
            await database.DisposeAsync();
        });
    }
}
