using CadMl.Api.Http;
using CadMl.Application.Analysis.AnalyzeFile;
using CadMl.Application.Analysis.GetAnalysis;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using CadMl.Domain.Cad;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/analyze")]
public sealed class AnalyzeController(ISender sender, IOptions<AnalysisOptions> options, IAnalysisMetrics metrics) : ControllerBase
{
    /// <summary>Analyse a CAD file (multipart <c>file</c>, optional <c>options</c> JSON, <c>material</c>, <c>project_id</c>).</summary>
    /// <remarks>
    /// No bound parameters on purpose, not even the <c>Idempotency-Key</c> header: binding any parameter
    /// makes MVC's form value provider buffer the form before the upload reader streams it.
    /// No [Consumes] either: the reader answers any other body with a 415 problem.
    /// Admission comes first, before a byte of the body is read.
    /// </remarks>
    [HttpPost]
    [ServiceFilter<AnalysisAdmissionFilter>]
    public async Task<IActionResult> Analyze()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var (upload, problem) = await MultipartUpload.ReadAsync(Request, options.Value.MaxFileBytes, cancellationToken);
        if (upload is null)
        {
            // Refused before the use case ran (too large, no file part, bad options), but it is
            // still an analysis request the dashboards and alerts must see.
            metrics.Finished("rejected");
            metrics.Rejected(problem!.Code);
            return this.ToActionResult(problem.ToResult<object>());
        }

        // The name is cleaned as it enters the use case, so validation, storage and every answer see the same name.
        // The upload's buffer may be pooled: it goes back only once the analysis has answered.
        using var owned = upload;
        var command = new AnalyzeFileCommand(UploadFileName.Clean(upload.FileName), upload.Content, upload.FeatureVersion, upload.Material, upload.ProjectId, upload.Sha256, upload.MinScore, IdempotencyKey(), MinGeneration());
        return this.ToActionResult(await sender.Send(command, cancellationToken));
    }

    /// <summary>The <c>min_generation</c> query parameter (read here, not bound: see above); unparsable is -1, which the validator refuses.</summary>
    private long? MinGeneration() =>
        Request.Query.TryGetValue("min_generation", out var values)
            ? long.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation) ? generation : -1
            : null;

    /// <summary>Absent is null; present but empty stays "" so the validator refuses it.</summary>
    private string? IdempotencyKey() =>
        Request.Headers.TryGetValue(IdempotencyKeys.Header, out var values) ? values.ToString() : null;

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(string id, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetAnalysisQuery(id), cancellationToken));
}
