using Prometheus;

namespace CadMl.Infrastructure.Storage;

/// <summary>The durable store's metrics: its condition at scrape time, integrity checks, damage and backups.</summary>
internal sealed class StoreMetrics
{
    private static readonly string[] States = ["opening", "open", "refused", "damaged", "failed", "unreachable"];
    private readonly Counter _integrity;
    private readonly Counter _damage;
    private readonly Counter _backups;
    private readonly Gauge _walFrames;

    public StoreMetrics(IMetricFactory metrics, CollectorRegistry registry, StoreStatus database)
    {
        var state = metrics.CreateGauge("store_state", "1 for the durable store's current state (opening, open, refused, damaged, failed, unreachable), 0 for the others.",
            new GaugeConfiguration { LabelNames = ["state"] });
        var damaged = metrics.CreateGauge("store_damaged", "1 while the durable store is marked damaged (corruption seen at start or at run time).");
        _integrity = metrics.CreateCounter("store_integrity_check_total",
            "Integrity checks of the durable store, by kind (quick at start, full on demand) and result (ok, damaged, timed_out).",
            new CounterConfiguration { LabelNames = ["kind", "result"] });
        _damage = metrics.CreateCounter("store_damage_detected_total", "Times the store was marked damaged, by where the damage was seen (startup, request, integrity_check).",
            new CounterConfiguration { LabelNames = ["source"] });
        _backups = metrics.CreateCounter("store_backup_total", "Online backups of the durable store, by outcome (ok, failed).",
            new CounterConfiguration { LabelNames = ["status"] });

        _walFrames = metrics.CreateGauge("store_wal_frames",
            "Frames (pages) in the SQLite write-ahead log after the last background checkpoint; it falls back each time the WAL restarts, and a steady climb means something keeps the WAL from restarting (SQLite store only).");

        foreach (var kind in (string[])["quick", "full"])
        {
            foreach (var result in (string[])["ok", "damaged", "timed_out"])
            {
                _integrity.WithLabels(kind, result);
            }
        }

        foreach (var source in (string[])["startup", "request", "integrity_check"])
        {
            _damage.WithLabels(source);
        }

        _backups.WithLabels("ok");
        _backups.WithLabels("failed");

        registry.AddBeforeCollectCallback(() =>
        {
            var current = database.Condition.State.ToString().ToLowerInvariant();
            foreach (var name in States)
            {
                state.WithLabels(name).Set(name == current ? 1 : 0);
            }

            damaged.Set(database.Condition.State == StoreState.Damaged ? 1 : 0);
        });
    }

    public void IntegrityChecked(bool full, IntegrityOutcome outcome) =>
        _integrity.WithLabels(full ? "full" : "quick", !outcome.Completed ? "timed_out" : outcome.Ok ? "ok" : "damaged").Inc();

    public void DamageDetected(string source) => _damage.WithLabels(source).Inc();

    public void BackedUp(bool ok) => _backups.WithLabels(ok ? "ok" : "failed").Inc();

    public void WalCheckpointed(long frames) => _walFrames.Set(frames);
}
