using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Store.BackupStore;
using CadMl.Application.Store.CheckStoreIntegrity;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace CadMl.Api.Controllers;

[ApiController]
[AdminOnly]
[Route("api/v1/store")]
public sealed class StoreController(ISender sender) : ControllerBase
{
    /// <summary>Full SQLite integrity_check (admin); damage found marks the store damaged and the instance unready.</summary>
    [HttpPost("integrity-check")]
    public async Task<IActionResult> CheckIntegrity(CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(new CheckStoreIntegrityCommand(), cancellationToken));

    /// <summary>Online backup (admin) into the data folder's backups/, optional <c>name</c>; writers keep going.</summary>
    [HttpPost("backup")]
    public async Task<IActionResult> Backup([FromBody] BackupStoreCommand? command, CancellationToken cancellationToken) =>
        this.ToActionResult(await sender.Send(command ?? new BackupStoreCommand(), cancellationToken));
}
