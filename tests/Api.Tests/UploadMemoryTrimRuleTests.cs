using CadMl.Api.Http;
using CadMl.Application.Common.Configuration;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Api.Tests;

/// <summary>
/// When the service gives the memory of a load back (<see cref="AnalysisAdmission.TakeIdleAfterUploads"/>,
/// looked at every 2 s by the trimmer): once after enough upload bytes were answered and a whole
/// look interval passed with nothing admitted, never while analyses keep arriving.
/// </summary>
public sealed class UploadMemoryTrimRuleTests
{
    private const long MiB = 1024 * 1024;

    private static AnalysisAdmission NewAdmission() => new(
        Options.Create(new AnalysisOptions { MaxInFlight = 8, UploadBudgetMb = 1024 }),
        Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));

    [Fact]
    public void A_burst_of_large_uploads_is_trimmed_once_after_a_quiet_interval()
    {
        var admission = NewAdmission();
        var leases = Enumerable.Range(0, 3).Select(_ => admission.TryAdmit(49 * MiB).Lease!).ToList();
        admission.TakeIdleAfterUploads().Should().BeFalse("the uploads are still in flight");
        admission.TakeIdleAfterUploads().Should().BeFalse("the uploads are still in flight");

        leases.ForEach(lease => lease.Dispose());
        admission.TakeIdleAfterUploads().Should().BeTrue("nothing was admitted since the previous look and nothing is in flight");
        admission.TakeIdleAfterUploads().Should().BeFalse("the memory was already given back");
    }

    [Fact]
    public void Steady_small_analyses_are_never_interrupted_by_a_trim_and_trimmed_once_they_stop()
    {
        var admission = NewAdmission();
        for (var look = 0; look < 100; look++)
        {
            // Between two looks some analyses of ~1 MB arrive and are answered: the service is busy, not idle.
            for (var i = 0; i < 4; i++)
            {
                admission.TryAdmit(MiB).Lease!.Dispose();
            }

            admission.TakeIdleAfterUploads().Should().BeFalse();
        }

        admission.TakeIdleAfterUploads().Should().BeTrue("the previous look saw the last admissions; none since");
    }

    [Fact]
    public void A_few_small_analyses_are_not_worth_a_full_collection()
    {
        var admission = NewAdmission();
        admission.TryAdmit(11_000).Lease!.Dispose();
        admission.TakeIdleAfterUploads().Should().BeFalse();
        admission.TakeIdleAfterUploads().Should().BeFalse();
        admission.TakeIdleAfterUploads().Should().BeFalse();
    }
}
