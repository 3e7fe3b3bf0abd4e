using Ardalis.Result;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using CadMl.Application.Common.Configuration;
using CadMl.Application.FeatureCache.Ports;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.FeatureCache.PrewarmCache;

/// <summary>
/// Load the features of the most recent or most frequently analysed files into the cache, for the
/// active feature version, recomputed exactly from the stored documents.
/// </summary>
public sealed record PrewarmCacheCommand(string? Strategy, int? Limit) : IUseCaseCommand<CachePrewarmDto>, IExclusiveMessage
{
    public static readonly IReadOnlyList<string> Strategies = ["recent", "frequent"];

    public string ExclusiveGroup => CacheSettingsGate.Group;

    public ErrorCode BusyCode => CacheSettingsGate.BusyCode;
}

public sealed record CachePrewarmDto(string Status, string Strategy, string FeatureVersion, int Loaded, int Skipped, int Size, double DurationMs);

internal sealed class PrewarmCacheHandler(
    IAnalysisStore store,
    IFeatureCache cache,
    IFeatureCacheControl control,
    IFeatureCacheMetrics metrics,
    IOptions<AnalysisOptions> analysis,
    TimeProvider time) : ICommandHandler<PrewarmCacheCommand, Result<CachePrewarmDto>>
{
    public async ValueTask<Result<CachePrewarmDto>> Handle(PrewarmCacheCommand command, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var strategy = command.Strategy ?? "recent";
        var version = FeatureVersions.Parse(analysis.Value.FeatureVersion);
        var capacity = control.Statistics().Settings.Capacity;
        // More than the capacity would only evict what was just loaded.
        var limit = Math.Min(command.Limit ?? capacity, capacity);
        var documents = strategy == "frequent"
            ? await store.FrequentDocumentsAsync(limit, cancellationToken)
            : await store.RecentDocumentsAsync(limit, cancellationToken);

        int loaded = 0, skipped = 0;
        // Least wanted first, so the most wanted end up most recently used.
        foreach (var stored in documents.Reverse())
        {
            var key = new FeatureCacheKey(stored.Sha256, version);
            // A document stored before v5's facts existed (no digest, or a drawing without strokes)
            // would give a v5 vector the file does not have, and a later upload would be served it.
            if (control.Contains(key) || (version == FeatureVersion.V5 && !EarlierLayouts.HasV5Facts(stored.Document)))
            {
                skipped++;
                continue;
            }

            cache.Set(key, new CachedFeatures(stored.Document, FeatureExtractor.Extract(stored.Document, version)));
            loaded++;
        }

        metrics.Prewarmed(loaded, skipped);
        return Result.Success(new CachePrewarmDto(
            "ok", strategy, version.Name(), loaded, skipped, control.Statistics().Size, time.GetElapsedTime(started).TotalMilliseconds));
    }
}
