using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Tests.Hosting;
using CadMl.Application.Vectors.Ports;
using CadMl.Application.Vectors.SearchVectors;
using CadMl.Domain.Features;

namespace CadMl.Application.Tests.Faiss;

public sealed class FaissFaultTests
{
    [Fact]
    public async Task A_failing_faiss_write_degrades_once_to_exact_search_and_answers_stay_correct()
    {
        await using var host = await ApplicationHost.StartAsync();
        var index = host.Get<IVectorIndex>();
        var values = Enumerable.Range(0, 24).Select(i => (double)i).ToArray();
        FeatureVector.TryCreate(FeatureVersion.V4, values, out var vector);
        index.Apply(new VectorWrite(new StoredVector(1, "ok", vector!, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch), null, null, 1));
        (await HealthAsync(host)).Degraded.Should().BeFalse();

        // FAISS refuses negative ids: a real native failure on the add path.
        index.Apply(new VectorWrite(new StoredVector(-5, "bad", vector!, new Dictionary<string, string>(), DateTimeOffset.UnixEpoch), null, null, 2));

        var health = await PollAsync(host, h => h.Degraded);
        health.Reason.Should().StartWith("faiss_add_failed");
        health.Backend.Should().Be("exact");
        for (var i = 0; i < 5; i++)
        {
            var hits = (await host.Sender.Send(new SearchVectorsQuery(Vector: values, K: 2))).Value;
            hits.Backend.Should().Be("exact");
            hits.Results.Select(r => r.Id).Should().BeEquivalentTo(["ok", "bad"]);
        }

        (await HealthAsync(host)).DegradationHistoryCount.Should().Be(1, "one degraded event per transition, however many requests follow");
    }

    private static async Task<FaissHealthDto> HealthAsync(ApplicationHost host) => (await host.Sender.Send(new GetFaissHealthQuery())).Value;

    private static Task<FaissHealthDto> PollAsync(ApplicationHost host, Func<FaissHealthDto, bool> done) =>
        Poll.UntilAsync(() => HealthAsync(host), done, TimeSpan.FromSeconds(10), "The FAISS health");
}
