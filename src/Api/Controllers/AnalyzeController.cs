using CadMl.Api.Http;
using CadMl.Application.Analysis.AnalyzeFile;
using CadMl.Application.Analysis.GetAnalysis;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Configuration;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/analyze")]
public sealed class AnalyzeController(ISender sender, IOptions<AnalysisOptions> options, IAnalysisMetrics metrics) : ControllerBase
{
    /// <summary>Analyse a CAD file (multipart <c>file</c>, optional <c>options</c> JSON, <c>material</c>, <c>project_id</c>).</summary>
    /// <remarks>No bound parameters on purpose: model binding would buffer the form before the upload reader streams it.</remarks>
    [HttpPost]
    [Consumes("multipart/form-data")]
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

        var command = new AnalyzeFileCommand(upload.FileName, upload.Content, upload.FeatureVersion, upload.Material, upload.ProjectId, upload.MinScore);
        return this.ToActionResult(await sender.Send(command, cancellationToken));
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(string id, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetAnalysisQuery(id), cancellationToken));
}
