using Prometheus;

namespace CadMl.Infrastructure.VectorSearch;

/// <summary>The similarity index's metrics. Names are a contract with the dashboards and alert rules.</summary>
internal sealed class VectorIndexMetrics
{
    private readonly Gauge _size;
    private readonly Gauge _age;
    private readonly Histogram _latency;
    private readonly Counter _backend;
    private readonly Histogram _batchSize;
    private readonly Counter _rebuilds;
    private readonly Histogram _rebuildDuration;
    private readonly Counter _exports;
    private readonly Counter _imports;
    private readonly Gauge _applied;
    private readonly Gauge _lag;
    private readonly Counter _replayed;
    private readonly Counter _followed;
    private Func<(long Size, double AgeSeconds)>? _state;
    private Func<long>? _appliedGeneration;
    private Func<CancellationToken, Task<long?>>? _storeGeneration;

    public VectorIndexMetrics(IMetricFactory metrics, CollectorRegistry registry)
    {
        _size = metrics.CreateGauge("faiss_index_size", "Live vectors in the FAISS index (all feature versions); 0 when FAISS is not serving.");
        _age = metrics.CreateGauge("faiss_index_age_seconds", "Seconds since the FAISS index was last built or loaded; 0 when FAISS is not serving.");
        _latency = metrics.CreateHistogram("vector_query_latency_seconds", "Similarity search time inside the index, by the backend that answered.",
            new HistogramConfiguration
            {
                LabelNames = ["backend"],
                Buckets = [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
            });
        _backend = metrics.CreateCounter("vector_query_backend_total", "Similarity searches by the backend that answered (faiss or exact).",
            new CounterConfiguration { LabelNames = ["backend"] });
        _batchSize = metrics.CreateHistogram("vector_search_batch_size",
            "Searches answered together by one batch (SearchBatcher): 1 means no other search was waiting.",
            new HistogramConfiguration { Buckets = [1, 2, 3, 4, 8, 16, 32] });
        _rebuilds = metrics.CreateCounter("faiss_rebuild_total", "FAISS index builds from the durable store, by outcome.",
            new CounterConfiguration { LabelNames = ["status"] });
        _rebuildDuration = metrics.CreateHistogram("faiss_rebuild_duration_seconds", "Time to build a FAISS index from the stored vectors.",
            new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600] });
        _exports = metrics.CreateCounter("faiss_export_total", "FAISS index saves to the data folder, by outcome.",
            new CounterConfiguration { LabelNames = ["status"] });
        _imports = metrics.CreateCounter("faiss_import_total",
            "FAISS index loads at start, by outcome (ok, missing, stale, corrupt, error); anything but ok means a rebuild.",
            new CounterConfiguration { LabelNames = ["status"] });

        _applied = metrics.CreateGauge("vector_index_applied_generation", "Store generation the serving similarity index reflects.");
        _lag = metrics.CreateGauge("vector_index_lag_generations", "Store generations committed but not yet in the serving index (0 when current).");
        _replayed = metrics.CreateCounter("vector_index_replayed_changes_total",
            "Change-log entries replayed into a saved FAISS index to bring it up to the store (instead of a rebuild).");
        _followed = metrics.CreateCounter("vector_index_followed_changes_total",
            "Change-log entries the running index applied from the log: writes through other replicas, and local writes that overtook them.");

        // Gauges are derived at scrape time, so the age keeps growing between index changes.
        registry.AddBeforeCollectCallback(() =>
        {
            var (size, age) = _state?.Invoke() ?? (0, 0);
            _size.Set(size);
            _age.Set(age);
        });
        registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            if (_appliedGeneration?.Invoke() is not { } applied)
            {
                return;
            }

            _applied.Set(applied);
            // An unreadable store leaves the lag where it was; the store's own health says why.
            if (_storeGeneration is { } store && await store(cancellationToken) is { } stored)
            {
                _lag.Set(Math.Max(0, stored - applied));
            }
        });
    }

    public void Observe(Func<(long Size, double AgeSeconds)> state) => _state = state;

    public void ObserveGenerations(Func<long> applied, Func<CancellationToken, Task<long?>> store)
    {
        _appliedGeneration = applied;
        _storeGeneration = store;
    }

    public void Replayed(long changes) => _replayed.Inc(changes);

    public void Followed(long changes) => _followed.Inc(changes);

    public void Queried(string backend, TimeSpan elapsed)
    {
        _latency.WithLabels(backend).Observe(elapsed.TotalSeconds);
        _backend.WithLabels(backend).Inc();
    }

    public void Batched(int searches) => _batchSize.Observe(searches);

    public void Rebuilt(string status, TimeSpan elapsed)
    {
        _rebuilds.WithLabels(status).Inc();
        if (status == "ok")
        {
            _rebuildDuration.Observe(elapsed.TotalSeconds);
        }
    }

    public void Exported(string status) => _exports.WithLabels(status).Inc();

    public void Imported(string status) => _imports.WithLabels(status).Inc();
}
