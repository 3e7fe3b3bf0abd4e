using CadMl.Application.Common.Configuration;
using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// A real, migrated SQLite store in a fresh temp folder with its group-commit writer, for tests
/// that need the store itself rather than a stand-in; disposing it closes the writer and deletes
/// the folder.
/// </summary>
internal sealed class TempSqliteStore : IAsyncDisposable
{
    private TempSqliteStore(string dataDir, SqliteDatabase database, StoreStatus status, SqliteWriter writer, SqliteStoreDatabase store)
    {
        DataDir = dataDir;
        Database = database;
        Status = status;
        Writer = writer;
        Store = store;
    }

    public string DataDir { get; }

    /// <summary>The database under the store, for tests that reach it directly (another connection, the checkpointer).</summary>
    public SqliteDatabase Database { get; }

    public StoreStatus Status { get; }

    public SqliteWriter Writer { get; }

    public SqliteStoreDatabase Store { get; }

    public static async Task<TempSqliteStore> OpenAsync(string owner)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));
        var status = new StoreStatus();
        var database = await OpenDatabaseAsync(dataDir, owner, status);
        var writer = new SqliteWriter(database, NullLogger<SqliteWriter>.Instance);
        return new TempSqliteStore(dataDir, database, status, writer, new SqliteStoreDatabase(database, writer));
    }

    /// <summary>Opens (and migrates) the SQLite store in <paramref name="dataDir"/>; the caller disposes the writer.</summary>
    public static async Task<(SqliteWriter Writer, SqliteStoreDatabase Store)> OpenInAsync(string dataDir, string owner)
    {
        var database = await OpenDatabaseAsync(dataDir, owner, new StoreStatus());
        var writer = new SqliteWriter(database, NullLogger<SqliteWriter>.Instance);
        return (writer, new SqliteStoreDatabase(database, writer));
    }

    // StoreInitializer's verdict in the service; here the store is new, so it opens.
    private static async Task<SqliteDatabase> OpenDatabaseAsync(string dataDir, string owner, StoreStatus status)
    {
        var database = new SqliteDatabase(Options.Create(new DataOptions { DataDir = dataDir }), status);
        await database.MigrateAsync(CancellationToken.None);
        database.MarkOpen(owner, new Dictionary<string, object?>());
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDir, recursive: true);
    }
}
