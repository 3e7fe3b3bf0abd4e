using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Ports;
using CadMl.Domain.Classification;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Infrastructure.Observability;

/// <summary>The reference's model metric names; dashboards and alerts depend on them.</summary>
internal sealed class PrometheusModelMetrics : IModelMetrics
{
    /// <summary>success, or a refusal code without its MODEL_ prefix, lower-case.</summary>
    private static readonly string[] ReloadStatuses =
    [
        "success", "not_found", "path_invalid", "size_exceeded", "hash_not_allowed", "format_invalid",
        "opcode_blocked", "interface_invalid", "version_mismatch", "smoke_failed",
    ];

    private readonly Counter _reloads;
    private readonly Counter _securityFailures;
    private readonly Counter _scans;
    private readonly Counter _audit;
    private readonly Counter _blocked;
    private readonly Counter _allowlistViolations;
    private readonly Histogram _stageDuration;
    private readonly Histogram _inference;
    private readonly Counter _predictions;

    public PrometheusModelMetrics(IMetricFactory metrics, IOptions<ModelOptions> options)
    {
        _reloads = metrics.CreateCounter("model_reload_total", "Model load attempts by outcome (success or the refusal code).",
            new CounterConfiguration { LabelNames = ["status"] });
        _securityFailures = metrics.CreateCounter("model_security_fail_total", "Model loads refused for a security reason.",
            new CounterConfiguration { LabelNames = ["reason"] });
        _scans = metrics.CreateCounter("model_opcode_scans_total", "Opcode scans run on candidate models.");
        _audit = metrics.CreateCounter("model_opcode_audit_total", "Operator occurrences seen by opcode scans (domain:op_type).",
            new CounterConfiguration { LabelNames = ["opcode"] });
        _blocked = metrics.CreateCounter("model_opcode_blocked_total", "Operators refused by the blocklist or as custom domains.",
            new CounterConfiguration { LabelNames = ["opcode"] });
        _allowlistViolations = metrics.CreateCounter("model_opcode_whitelist_violations_total", "Operators refused for not being on the allowlist.",
            new CounterConfiguration { LabelNames = ["opcode"] });
        _stageDuration = metrics.CreateHistogram("model_reload_duration_seconds", "Time spent in each model load stage.",
            new HistogramConfiguration { LabelNames = ["stage"], Buckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] });
        _inference = metrics.CreateHistogram("classification_model_inference_seconds", "Time of one classification inference.",
            new HistogramConfiguration { Buckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5] });
        _predictions = metrics.CreateCounter("classification_prediction_distribution", "Predicted labels.",
            new CounterConfiguration { LabelNames = ["label"] });

        // Every outcome exists from the start at 0, so increase() sees the first failure of a kind
        // (a series born at 1 has no increase in Prometheus' eyes).
        foreach (var status in ReloadStatuses)
        {
            _reloads.WithLabels(status);
        }

        // The mode is configuration, fixed for the life of the process.
        metrics.CreateGauge("model_opcode_mode", "Opcode scan mode: 0 audit, 1 blocklist, 2 allowlist.").Set((int)options.Value.Mode);
    }

    public void ReloadFinished(string status) => _reloads.WithLabels(status).Inc();

    public void StageTimed(ReloadStage stage, TimeSpan elapsed) => _stageDuration.WithLabels(stage.Name()).Observe(elapsed.TotalSeconds);

    public void SecurityFailure(string reason) => _securityFailures.WithLabels(reason).Inc();

    public void Scanned(OpcodeScanVerdict verdict)
    {
        _scans.Inc();
        foreach (var (op, count) in verdict.Seen)
        {
            _audit.WithLabels(op.ToString()).Inc(count);
        }

        foreach (var finding in verdict.Refusals)
        {
            switch (finding.Reason)
            {
                case OpcodeRefusal.NotAllowlisted:
                    _allowlistViolations.WithLabels(finding.Operator!.Value.ToString()).Inc();
                    break;
                case OpcodeRefusal.Blocklisted or OpcodeRefusal.CustomDomain:
                    _blocked.WithLabels(finding.Operator!.Value.ToString()).Inc();
                    break;
            }
        }
    }

    public void Inferred(TimeSpan elapsed, string label)
    {
        _inference.Observe(elapsed.TotalSeconds);
        _predictions.WithLabels(label).Inc();
    }
}
