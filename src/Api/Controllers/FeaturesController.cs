using CadMl.Api.Http;
using CadMl.Application.Features.GetFeatureSlots;
using CadMl.Application.Features.GetFeatureVersions;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/features")]
public sealed class FeaturesController(ISender sender) : ControllerBase
{
    [HttpGet("versions")]
    public async Task<IActionResult> Versions(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetFeatureVersionsQuery(), cancellationToken));

    [HttpGet("slots")]
    public async Task<IActionResult> Slots([FromQuery] string? version, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetFeatureSlotsQuery(version), cancellationToken));
}
