using CadMl.Api.Fleet;
using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Model.GetModel;
using CadMl.Application.Model.GetModelHealth;
using CadMl.Application.Model.GetOpcodeAudit;
using CadMl.Application.Model.ReloadModel;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
public sealed class ModelController(ISender sender) : ControllerBase
{
    /// <summary>Secure staged reload of the classifier from a file in MODEL_DIR.</summary>
    [AdminOnly]
    [HttpPost("api/v1/model/reload")]
    public async Task<IActionResult> Reload(ReloadModelRequest request, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new ReloadModelCommand(request.Path ?? "", request.ExpectedVersion, request.Force ?? false), cancellationToken));

    [HttpGet("api/v1/model")]
    public async Task<IActionResult> Get(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetModelQuery(), cancellationToken));

    [HttpGet("api/v1/health/model")]
    public async Task<IActionResult> Health(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetModelHealthQuery(), cancellationToken));

    [PerReplica]
    [HttpGet("api/v1/model/opcode-audit")]
    public async Task<IActionResult> OpcodeAudit(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetOpcodeAuditQuery(), cancellationToken));
}

/// <summary><c>path</c> is relative to MODEL_DIR; <c>expected_version</c> guards against loading the wrong file; <c>force</c> skips the version stage.</summary>
public sealed record ReloadModelRequest(string? Path, string? ExpectedVersion, bool? Force);
