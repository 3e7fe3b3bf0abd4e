using System.Net;
using System.Net.Http.Headers;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Api.Tests;

/// <summary>
/// Admission control end to end, against the real service on a socket: an analysis is held in
/// flight by a client that has sent only half of its body (so the test needs no timing), the limit refuses the next one with 503
/// OVERLOADED and Retry-After, and once the held one is answered the same request is admitted.
/// </summary>
public sealed class AdmissionTests : IDisposable
{
    private readonly string _dataDir = CadMlFactory.NewDataDir();

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task An_analysis_over_the_in_flight_limit_is_refused_with_retry_after_and_admitted_once_the_slot_frees()
    {
        await using var service = await ServiceProcess.StartAsync(_dataDir, new Dictionary<string, string> { ["ANALYSIS_MAX_IN_FLIGHT"] = "1" });
        using var client = service.CreateClient();
        var dxf = CorpusFiles.Of("dxf")[0];
        var bytes = await File.ReadAllBytesAsync(dxf);

        using var held = new HeldUpload(Uploads.Form(Path.GetFileName(dxf), bytes));
        var first = client.PostAsync("/api/v1/analyze", held);
        await WaitUntilInFlightAsync(client);

        var refused = await client.AnalyzeAsync(Path.GetFileName(dxf), bytes);
        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "OVERLOADED", "admission");
        refused.Headers.RetryAfter.Should().Be(RetryConditionHeaderValue.Parse("1"));
        problem.GetProperty("context").GetProperty("limit").GetString().Should().Be("in_flight");
        problem.GetProperty("context").GetProperty("max_in_flight").GetInt32().Should().Be(1);

        held.Release();
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.AnalyzeAsync(Path.GetFileName(dxf), bytes)).StatusCode.Should().Be(HttpStatusCode.OK);

        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("analysis_overload_rejected_total{limit=\"in_flight\"} 1");
        metrics.Should().Contain("analysis_in_flight 0");
    }

    [Fact]
    public async Task Uploads_over_the_byte_budget_are_refused_with_retry_after_and_admitted_once_the_budget_frees()
    {
        await using var service = await ServiceProcess.StartAsync(_dataDir, new Dictionary<string, string>
        {
            ["ANALYSIS_MAX_FILE_MB"] = "1",
            ["ANALYSIS_UPLOAD_BUDGET_MB"] = "1",
        });
        using var client = service.CreateClient();
        // Two real STL files that fit the file limit each but not the budget together.
        var stl = CorpusFiles.Of("stl").Where(f => new FileInfo(f).Length is > 600_000 and < 1_000_000).Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(stl);

        using var held = new HeldUpload(Uploads.Form(Path.GetFileName(stl), bytes));
        var first = client.PostAsync("/api/v1/analyze", held);
        await WaitUntilInFlightAsync(client);

        var refused = await client.AnalyzeAsync(Path.GetFileName(stl), bytes);
        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "OVERLOADED", "admission");
        refused.Headers.RetryAfter.Should().NotBeNull();
        problem.GetProperty("context").GetProperty("limit").GetString().Should().Be("upload_bytes");
        problem.GetProperty("context").GetProperty("upload_budget_bytes").GetInt64().Should().Be(1024 * 1024);

        held.Release();
        (await first).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.AnalyzeAsync(Path.GetFileName(stl), bytes)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static Task WaitUntilInFlightAsync(HttpClient client) =>
        Poll.UntilAsync(
            async () => (await client.GetStringAsync("/metrics")).Contains("\nanalysis_in_flight 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "The held request's admission");

    /// <summary>Sends the first half of a body, then waits for <see cref="Release"/> before the rest.</summary>
    private sealed class HeldUpload : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HttpContent _inner;

        public HeldUpload(HttpContent inner)
        {
            _inner = inner;
            Headers.ContentType = inner.Headers.ContentType;
        }

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = await _inner.ReadAsByteArrayAsync();
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await _release.Task;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.ReadAsByteArrayAsync().GetAwaiter().GetResult().Length;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
