using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.FeatureCache.ApplyCacheSettings;
using CadMl.Application.FeatureCache.GetCacheStats;
using CadMl.Application.FeatureCache.PrewarmCache;
using CadMl.Application.FeatureCache.RollbackCache;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/health/features/cache")]
public sealed class FeatureCacheController(ISender sender) : ControllerBase
{
    [HttpGet]
    public async Task<IActionResult> Stats(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetCacheStatsQuery(), cancellationToken));

    [AdminOnly]
    [HttpPost("apply")]
    public async Task<IActionResult> Apply(ApplyCacheRequest request, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new ApplyCacheSettingsCommand(request.Capacity, request.TtlSeconds), cancellationToken));

    [AdminOnly]
    [HttpPost("rollback")]
    public async Task<IActionResult> Rollback(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new RollbackCacheCommand(), cancellationToken));

    [AdminOnly]
    [HttpPost("prewarm")]
    public async Task<IActionResult> Prewarm(PrewarmCacheRequest? request, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new PrewarmCacheCommand(request?.Strategy, request?.Limit), cancellationToken));

    public sealed record ApplyCacheRequest(int? Capacity, int? TtlSeconds);

    public sealed record PrewarmCacheRequest(string? Strategy, int? Limit);
}
