using CadMl.Application.Common.Ports;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Serving MODEL_FILE because the operator's model failed its checks at start is a working but
/// unintended state: /health says so (degraded), readiness is the serving model's business.
/// </summary>
internal sealed class ServedModelRecordProbe(FileServedModelRecord record) : IHealthProbe
{
    public string Name => "served_model_record";

    public bool GatesReadiness => false;

    public ProbeReport Probe() => record.Fallback is { } fallback
        ? ProbeReport.Failing(
            $"MODEL_STARTUP_FALLBACK: the model last loaded by an operator ({fallback.RecordedPath}) failed at stage {fallback.Stage ?? "load"} with {fallback.Code}; serving MODEL_FILE",
            new Dictionary<string, object?> { ["recorded_path"] = fallback.RecordedPath, ["stage"] = fallback.Stage, ["code"] = fallback.Code, ["reason"] = fallback.Reason })
        : ProbeReport.Ok();
}
