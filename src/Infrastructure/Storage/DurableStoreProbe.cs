using CadMl.Application.Common.Ports;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The durable store must be open, undamaged and the data folder's own, or nothing the service
/// promises is durable; the detail starts with the code an operator looks up in the runbook.
/// </summary>
internal sealed class DurableStoreProbe(StoreStatus database) : IHealthProbe
{
    public string Name => "durable_store";

    public bool GatesReadiness => true;

    public ProbeReport Probe()
    {
        var condition = database.Condition;
        var facts = new Dictionary<string, object?>(condition.Facts) { ["code"] = condition.Code, ["backend"] = database.Backend, ["schema_version"] = database.SchemaVersion };
        return condition.State == StoreState.Open
            ? ProbeReport.Ok($"{database.Backend} open", facts)
            : ProbeReport.Failing($"{condition.Code}: {condition.Detail}", facts);
    }
}
