using CadMl.Application.Common.Ports;

namespace CadMl.Infrastructure.Storage;

/// <summary>The durable store must be open and migrated, or nothing the service promises is durable.</summary>
internal sealed class DurableStoreProbe(SqliteDatabase database) : IHealthProbe
{
    public string Name => "durable_store";

    public bool GatesReadiness => true;

    public ProbeReport Probe() => database.IsReady
        ? ProbeReport.Ok("sqlite open", new Dictionary<string, object?> { ["schema_version"] = SqliteDatabase.SchemaVersion })
        : ProbeReport.Failing("sqlite store is not open (see the start-up log)");
}
