using System.Collections.Concurrent;
using System.Net;
using CadMl.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CadMl.Api.Tests.Observability;

/// <summary>
/// /health and /ready are polled every few seconds by every orchestrator and load balancer: a line
/// at Information per probe would bury the log. Checked through the real host's logging
/// configuration (Program's defaults), with a provider that records what passes its filters.
/// </summary>
public sealed class ProbeLoggingTests
{
    private sealed class RecordingProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }

    [Fact]
    public async Task Health_and_ready_probes_log_nothing_at_information_or_above()
    {
        var recorder = new RecordingProvider();
        await using var factory = new CadMlFactory { ConfigureTestServices = services => services.AddSingleton<ILoggerProvider>(recorder) };
        var client = factory.CreateClient();
        await Poll.UntilAsync(async () => (await client.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30));

        // The recorder does see Information: start-up wrote some (the model load, the store opening).
        recorder.Entries.Should().Contain(e => e.Level == LogLevel.Information);
        recorder.Entries.Clear();

        for (var i = 0; i < 5; i++)
        {
            (await client.GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await client.GetAsync("/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        // Background loops may log on their own schedule; what a request can cause is the HTTP
        // pipeline's, the Api's and the use cases' logging.
        recorder.Entries
            .Where(e => e.Level >= LogLevel.Information)
            .Where(e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                        || e.Category.StartsWith("CadMl.Api", StringComparison.Ordinal)
                        || e.Category.StartsWith("CadMl.Application", StringComparison.Ordinal))
            .Select(e => $"{e.Level} {e.Category}: {e.Message}")
            .Should().BeEmpty();
    }
}
