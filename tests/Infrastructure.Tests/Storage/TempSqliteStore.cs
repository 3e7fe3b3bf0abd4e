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
    private readonly string _dataDir;

    private TempSqliteStore(string dataDir, SqliteWriter writer, SqliteStoreDatabase store)
    {
        _dataDir = dataDir;
        Writer = writer;
        Store = store;
    }

    public SqliteWriter Writer { get; }

    public SqliteStoreDatabase Store { get; }

    public static async Task<TempSqliteStore> OpenAsync(string owner)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));
        var (writer, store) = await OpenInAsync(dataDir, owner);
        return new TempSqliteStore(dataDir, writer, store);
    }

    /// <summary>Opens (and migrates) the SQLite store in <paramref name="dataDir"/>; the caller disposes the writer.</summary>
    public static async Task<(SqliteWriter Writer, SqliteStoreDatabase Store)> OpenInAsync(string dataDir, string owner)
    {
        var database = new SqliteDatabase(Options.Create(new DataOptions { DataDir = dataDir }));
        await database.MigrateAsync(CancellationToken.None);
        database.MarkOpen(owner, new Dictionary<string, object?>());
        var writer = new SqliteWriter(database, NullLogger<SqliteWriter>.Instance);
        return (writer, new SqliteStoreDatabase(database, writer));
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
