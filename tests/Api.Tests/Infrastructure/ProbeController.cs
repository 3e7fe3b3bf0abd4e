using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>Routes that exist only in tests, to drive the auth and error paths without a real use case.</summary>
[ApiController]
[Route("api/v1/test-probe")]
public sealed class ProbeController : ControllerBase
{
    [HttpGet("open")]
    public IActionResult Open() => Ok(new { fine = true });

    [AdminOnly]
    [HttpPost("admin")]
    public IActionResult Admin() => Ok(new { admin = true });

    [HttpGet("conflict")]
    public IActionResult WindowConflict() => this.ToActionResult(new Problem(ErrorCodes.CacheRollbackWindowActive, "cache_apply", "A rollback window is open.",
        new Dictionary<string, object?> { ["can_rollback_until"] = "2026-11-27T12:05:00Z", ["limit"] = 3 }).ToResult<string>());

    [HttpGet("timeout")]
    public IActionResult Timeout() => this.ToActionResult(new Problem(ErrorCodes.ParseTimeout, "parse", "Parsing took too long.").ToResult<string>());

    [HttpGet("boom")]
    public IActionResult Boom() => throw new InvalidOperationException("secret internal detail /srv/cadml/data");

    [HttpPost("typed")]
    public IActionResult Typed(TypedBody body) => Ok(body);

    public sealed record TypedBody(int Capacity);
}
