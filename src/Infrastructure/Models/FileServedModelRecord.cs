using System.Text.Json;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Ports;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// <c>served-model.json</c> in the data folder, replaced atomically on every operator reload.
/// It also holds what start-up made of it: when the recorded model fails its checks now, the
/// fallback to MODEL_FILE is kept here for /health and the <c>model_startup_fallback</c> gauge.
/// </summary>
internal sealed class FileServedModelRecord : IServedModelRecord
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
    private readonly string _path;
    private readonly Counter _fallbacks;
    private volatile StartupModelFallback? _fallback;

    public FileServedModelRecord(IOptions<DataOptions> options, IMetricFactory metrics, CollectorRegistry registry)
    {
        _path = Path.Combine(options.Value.FullDataDir, "served-model.json");
        _fallbacks = metrics.CreateCounter("model_startup_fallback_total",
            "Start-ups where the recorded served model failed its checks and MODEL_FILE was loaded instead.");
        var gauge = metrics.CreateGauge("model_startup_fallback",
            "1 while the instance serves MODEL_FILE because the model an operator last loaded failed its checks at start.");
        registry.AddBeforeCollectCallback(() => gauge.Set(_fallback is null ? 0 : 1));
    }

    public StartupModelFallback? Fallback => _fallback;

    public ServedModelEntry? Read()
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ServedModelEntry>(File.ReadAllBytes(_path), Json);
        }
        catch (JsonException)
        {
            // An unreadable record names no model; start-up reports it as a fallback with this reason.
            return new ServedModelEntry("", "", "", DateTimeOffset.MinValue);
        }
    }

    public void Write(ServedModelEntry entry) => AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(entry, Json));

    public void FellBack(StartupModelFallback fallback)
    {
        _fallback = fallback;
        _fallbacks.Inc();
    }
}

public sealed record StartupModelFallback(string RecordedPath, string? Stage, string Code, string Reason);
