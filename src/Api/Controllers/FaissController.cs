using CadMl.Api.Fleet;
using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Faiss.DegradeFaiss;
using CadMl.Application.Faiss.GetFaissHealth;
using CadMl.Application.Faiss.RecoverFaiss;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
public sealed class FaissController(ISender sender) : ControllerBase
{
    /// <summary>Degradation state, history, next recovery, suppression and index facts, of the receiving replica unless targeted.</summary>
    [PerReplica(AnswersHereWhenUntargeted = true)]
    [HttpGet("api/v1/health/faiss/health")]
    public async Task<IActionResult> Health(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetFaissHealthQuery(), cancellationToken));

    /// <summary>Manual recovery attempt (admin); <c>force</c> overrides a flap suppression.</summary>
    [AdminOnly]
    [PerReplica(RollsAcrossReplicas = true)]
    [HttpPost("api/v1/faiss/recover")]
    public async Task<IActionResult> Recover([FromBody] RecoverFaissCommand? command, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(command ?? new RecoverFaissCommand(), cancellationToken));

    /// <summary>Synthetic degradation for staging drills (admin): <c>reason</c>, <c>duration_seconds</c>.</summary>
    [AdminOnly]
    [PerReplica]
    [HttpPost("api/v1/faiss/degrade")]
    public async Task<IActionResult> Degrade([FromBody] DegradeFaissCommand? command, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(command ?? new DegradeFaissCommand(), cancellationToken));
}
