using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Api.Http;

/// <summary>
/// Admission control for analyses: at most <see cref="AnalysisOptions.EffectiveMaxInFlight"/>
/// at once and at most <see cref="AnalysisOptions.UploadBudgetBytes"/> of upload bytes in memory
/// at once. A request that does not fit is refused before its body is read (503 OVERLOADED with
/// Retry-After), so load beyond capacity costs a short answer instead of a queue, memory or a
/// crash. A request reserves what its Content-Length announces (capped at the file limit plus
/// form overhead), or the whole file limit when it announces nothing.
/// </summary>
public sealed class AnalysisAdmission
{
    /// <summary>Upload bytes answered since the last trim that make one worth its pause.</summary>
    private const long TrimAfterBytes = 16L * 1024 * 1024;

    private readonly Lock _sync = new();
    private readonly int _maxInFlight;
    private readonly long _budgetBytes;
    private readonly long _largestReservation;
    private readonly Gauge _inFlightGauge;
    private readonly Gauge _bytesGauge;
    private readonly Counter _rejected;
    private int _inFlight;
    private long _bytes;
    private long _admitted;
    private long _admittedAtLastLook;
    private long _answeredBytesSinceTrim;

    public AnalysisAdmission(IOptions<AnalysisOptions> options, IMetricFactory metrics)
    {
        var settings = options.Value;
        _maxInFlight = settings.EffectiveMaxInFlight;
        _budgetBytes = settings.UploadBudgetBytes;
        _largestReservation = MultipartUpload.MaxBodyBytes(settings.MaxFileBytes);
        RetryAfterSeconds = settings.RetryAfterSeconds;
        _inFlightGauge = metrics.CreateGauge("analysis_in_flight", "Analyses admitted and not yet answered.");
        _bytesGauge = metrics.CreateGauge("analysis_upload_bytes_in_flight", "Upload bytes reserved by admitted analyses.");
        metrics.CreateGauge("analysis_max_in_flight", "Admission limit on analyses at once.").Set(_maxInFlight);
        metrics.CreateGauge("analysis_upload_budget_bytes", "Admission limit on upload bytes at once.").Set(_budgetBytes);
        _rejected = metrics.CreateCounter("analysis_overload_rejected_total", "Analyses refused with 503 OVERLOADED, by the limit that was reached.",
            new CounterConfiguration { LabelNames = ["limit"] });
        _rejected.WithLabels("in_flight");
        _rejected.WithLabels("upload_bytes");
    }

    public int RetryAfterSeconds { get; }

    /// <summary>Analyses admitted and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_sync)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>A lease to release when the analysis is answered, or the problem that refuses it.</summary>
    public (Lease? Lease, Problem? Problem) TryAdmit(long? contentLength)
    {
        var reserve = Math.Min(contentLength ?? _largestReservation, _largestReservation);
        lock (_sync)
        {
            if (_inFlight >= _maxInFlight)
            {
                return (null, Refuse("in_flight", new Dictionary<string, object?> { ["max_in_flight"] = _maxInFlight }));
            }

            if (_bytes + reserve > _budgetBytes)
            {
                return (null, Refuse("upload_bytes", new Dictionary<string, object?>
                {
                    ["upload_budget_bytes"] = _budgetBytes,
                    ["requested_bytes"] = reserve,
                }));
            }

            _inFlight++;
            _admitted++;
            _bytes += reserve;
            _inFlightGauge.Set(_inFlight);
            _bytesGauge.Set(_bytes);
        }

        return (new Lease(this, reserve), null);
    }

    private Problem Refuse(string limit, Dictionary<string, object?> context)
    {
        _rejected.WithLabels(limit).Inc();
        context["limit"] = limit;
        context["retry_after_seconds"] = RetryAfterSeconds;
        return new Problem(ErrorCodes.Overloaded, "admission", "The service is at capacity for analyses; retry after the time in Retry-After.", context);
    }

    /// <summary>
    /// True once when a load is over: at least 16 MiB of uploads were answered since the last
    /// trim, nothing is in flight and nothing was admitted since the previous look (so with a look
    /// every few seconds the service has been idle for a whole interval). Under steady load it
    /// stays false, so the trim's full collection never pauses requests; after a single burst of
    /// large uploads or a long run of small ones it fires once.
    /// </summary>
    public bool TakeIdleAfterUploads()
    {
        lock (_sync)
        {
            var quiet = _inFlight == 0 && _admitted == _admittedAtLastLook;
            _admittedAtLastLook = _admitted;
            if (!quiet || _answeredBytesSinceTrim < TrimAfterBytes)
            {
                return false;
            }

            _answeredBytesSinceTrim = 0;
            return true;
        }
    }

    private void Release(long reserved)
    {
        lock (_sync)
        {
            _inFlight--;
            _bytes -= reserved;
            _answeredBytesSinceTrim += reserved;
            _inFlightGauge.Set(_inFlight);
            _bytesGauge.Set(_bytes);
        }
    }

    public sealed class Lease(AnalysisAdmission admission, long reserved) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                admission.Release(reserved);
            }
        }
    }
}

/// <summary>Applies <see cref="AnalysisAdmission"/> around an action; the lease is held until the action has produced its answer.</summary>
public sealed class AnalysisAdmissionFilter(AnalysisAdmission admission, IAnalysisMetrics metrics) : IAsyncActionFilter
{
    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var (lease, problem) = admission.TryAdmit(context.HttpContext.Request.ContentLength);
        if (lease is null)
        {
            // Still an analysis request the dashboards and alerts must see.
            metrics.Finished("rejected");
            metrics.Rejected(problem!.Code);
            context.HttpContext.Response.Headers.RetryAfter = admission.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var body = ProblemResponses.Body(problem!, context.HttpContext);
            context.Result = new ObjectResult(body) { StatusCode = body.Status, ContentTypes = { ProblemResponses.ContentType } };
            return;
        }

        using (lease)
        {
            await next();
        }
    }
}

/// <summary>
/// Gives the memory of a load back to the system once it is over: the upload arrays the pool kept
/// (<see cref="UploadBuffers.Release"/>), the garbage of the last requests and the heap space the
/// collector grew for them. An idle service allocates nothing, so no collection would run and the
/// process would keep its peak size indefinitely (702 MB after the full load of build/bench load).
/// One aggressive (compacting, decommitting) collection after the load, off the request path,
/// costs tens of milliseconds and never runs while analyses keep arriving.
/// </summary>
internal sealed class UploadMemoryTrimmer(AnalysisAdmission admission, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (admission.TakeIdleAfterUploads())
                {
                    UploadBuffers.Release();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }
}
