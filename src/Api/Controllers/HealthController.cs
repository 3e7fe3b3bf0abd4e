using CadMl.Api.Http;
using CadMl.Application.Health.GetHealth;
using CadMl.Application.Health.GetReadiness;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
public sealed class HealthController(ISender sender) : ControllerBase
{
    /// <summary>Liveness: 200 while the process serves; the body says ok or degraded and why.</summary>
    [HttpGet("/health")]
    public async Task<IActionResult> Health(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetHealthQuery(), cancellationToken));

    /// <summary>Readiness: 200 when every gating component is healthy, else 503 naming the failing checks.</summary>
    [HttpGet("/ready")]
    public async Task<IActionResult> Ready(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetReadinessQuery(), cancellationToken));
}
