using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.DeleteVector;
using CadMl.Application.Vectors.GetVector;
using CadMl.Application.Vectors.GetVectorStats;
using CadMl.Application.Vectors.ListVectors;
using CadMl.Application.Vectors.RegisterVector;
using CadMl.Application.Vectors.SearchVectors;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
[Route("api/v1/vectors")]
public sealed class VectorsController(ISender sender) : ControllerBase
{
    /// <summary>Register (or replace) a vector: <c>id</c>, <c>vector</c>, <c>feature_version</c>, <c>meta</c>. 201 once durable.</summary>
    [HttpPost]
    public async Task<IActionResult> Register(
        [FromBody] RegisterVectorCommand command,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
        CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(command with { IdempotencyKey = idempotencyKey }, cancellationToken));

    /// <summary>A page of stored vectors, filtered by material, format, version and label.</summary>
    [HttpGet]
    public async Task<IActionResult> List(
        [FromQuery] int offset = 0,
        [FromQuery] int limit = 50,
        [FromQuery] string? material = null,
        [FromQuery] string? format = null,
        [FromQuery] string? version = null,
        [FromQuery] string? label = null,
        CancellationToken cancellationToken = default) =>
        this.ToActionResult(await sender.Send(new ListVectorsQuery(offset, limit, material, format, version, label), cancellationToken));

    [HttpGet("stats")]
    public async Task<IActionResult> Stats(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetVectorStatsQuery(), cancellationToken));

    /// <summary>Top-k by <c>vector</c> or by <c>id</c> (k 1..100), with filters and <c>exclude_self</c>.</summary>
    /// <remarks><c>min_generation</c> (query): answer only from an index that reflects that store generation (the <c>X-Store-Generation</c> of a write), waiting up to 2 s, else 503 INDEX_LAGGING.</remarks>
    [HttpPost("search")]
    public async Task<IActionResult> Search(
        [FromBody] SearchVectorsQuery query,
        [FromQuery(Name = "min_generation")] long? minGeneration,
        CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(query with { MinGeneration = minGeneration }, cancellationToken));

    [HttpGet("{id}")]
    public async Task<IActionResult> Get(string id, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetVectorQuery(id), cancellationToken));

    [AdminOnly]
    [HttpDelete("{id}")]
    public async Task<IActionResult> Delete(string id, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new DeleteVectorCommand(id), cancellationToken));
}
