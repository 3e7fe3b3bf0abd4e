using System.Collections.Concurrent;
using CadMl.Application.Common.Configuration;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Storage.Postgres;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// The reachability probe runs every second on every replica: while the store answers it must
/// not write a line (only a change of reachability is worth one).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReachabilityTests(PostgresServerFixture postgres)
{
    private sealed class RecordingLogger : ILogger<PostgresReachability>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }

    [Fact]
    public async Task Probes_of_a_store_that_answers_log_nothing_and_leave_it_open()
    {
        var url = await postgres.Server.CreateDatabaseAsync();
        var status = new StoreStatus(DataOptions.PostgresBackend, PostgresDatabase.SchemaVersion);
        await using var database = new PostgresDatabase(Options.Create(new DataOptions { StoreBackend = DataOptions.PostgresBackend, DatabaseUrl = url }), status);
        await database.MigrateAsync(CancellationToken.None);
        status.MarkOpen("reachability", "postgres open", new Dictionary<string, object?>());
        var logger = new RecordingLogger();
        var probe = new PostgresReachability(database, TimeProvider.System, logger);

        for (var i = 0; i < 5; i++)
        {
            await probe.CheckAsync(CancellationToken.None);
        }

        status.Condition.State.Should().Be(StoreState.Open);
        logger.Entries.Should().BeEmpty();
    }
}
