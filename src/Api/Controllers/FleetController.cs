using CadMl.Api.Http;
using CadMl.Application.Fleet.GetFleet;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/fleet")]
public sealed class FleetController(ISender sender) : ControllerBase
{
    /// <summary>Every replica sharing the store: version, track, model, applied generation and lag, last heartbeat, stale or not.</summary>
    [HttpGet]
    public async Task<IActionResult> Get(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetFleetQuery(), cancellationToken));
}
