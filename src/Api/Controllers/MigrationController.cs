using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Migration.GetMigrationStatus;
using CadMl.Application.Migration.MigrateVectors;
using CadMl.Application.Migration.PreviewMigration;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

/// <summary>
/// Vector migration between feature versions. Its literal routes outrank <c>vectors/{id}</c>, so
/// <c>migrate</c>, <c>migrate/preview</c> and <c>migrate/status</c> are never read as vector ids.
/// </summary>
[ApiController]
[Route("api/v1/vectors/migrate")]
public sealed class MigrationController(ISender sender) : ControllerBase
{
    /// <summary>Read-only estimate of a migration to <c>to_version</c> over the <c>limit</c> (1..100, default 10) oldest vectors.</summary>
    [HttpGet("preview")]
    public async Task<IActionResult> Preview(
        [FromQuery(Name = "to_version")] string? toVersion,
        [FromQuery] int limit = PreviewMigrationQuery.DefaultLimit,
        CancellationToken cancellationToken = default) =>
        this.ToActionResult(await sender.Send(new PreviewMigrationQuery(toVersion, limit), cancellationToken));

    /// <summary>Migrate <c>ids</c> (or every vector not at the target) to <c>to_version</c>, <c>batch_size</c> per transaction; <c>dry_run</c> writes nothing.</summary>
    [AdminOnly]
    [HttpPost]
    public async Task<IActionResult> Migrate([FromBody] MigrateRequest request, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(
            new MigrateVectorsCommand(request.Ids, request.ToVersion, request.DryRun ?? false, request.BatchSize ?? MigrateVectorsCommand.DefaultBatchSize),
            cancellationToken));

    /// <summary>The running migration, the last runs, and how many vectors are at each version.</summary>
    [HttpGet("status")]
    public async Task<IActionResult> Status(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new GetMigrationStatusQuery(), cancellationToken));

    public sealed record MigrateRequest(IReadOnlyList<string>? Ids, string? ToVersion, bool? DryRun, int? BatchSize);
}
