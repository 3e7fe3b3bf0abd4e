namespace CadMl.Application.Common.Ports;

/// <summary>
/// One component's view of its own health. <see cref="GatesReadiness"/> components must be healthy
/// before the instance takes traffic (/ready); the others only mark it degraded (/health).
/// </summary>
public interface IHealthProbe
{
    string Name { get; }

    bool GatesReadiness { get; }

    ProbeReport Probe();
}

public sealed record ProbeReport(bool Healthy, string Detail, IReadOnlyDictionary<string, object?>? Facts = null)
{
    public static ProbeReport Ok(string detail = "ok", IReadOnlyDictionary<string, object?>? facts = null) => new(true, detail, facts);

    public static ProbeReport Failing(string detail, IReadOnlyDictionary<string, object?>? facts = null) => new(false, detail, facts);
}
