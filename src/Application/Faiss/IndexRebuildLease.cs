using CadMl.Application.Common.Fleet;
using CadMl.Application.Common.Ports;
using CadMl.Application.Faiss.Ports;
using CadMl.Domain.Fleet;
using Microsoft.Extensions.Logging;

namespace CadMl.Application.Faiss;

/// <summary>
/// The fleet lease every rebuild of a serving replica's FAISS index takes (manual recover, automatic
/// recovery, tombstone rebuild): a rebuild reads every vector and takes that replica's FAISS out of
/// the fast path, so one at a time across the fleet bounds the load on a shared store and keeps the
/// fleet from ever having every replica rebuilding at once. With SQLite the same rule holds inside
/// the one process. Start-up activation takes none: a replica that is not ready serves nothing, and
/// cold replicas on one store must not wait on each other.
/// </summary>
public sealed partial class IndexRebuildLease(FleetLeases leases, IRecoveryMetrics metrics, ILogger<IndexRebuildLease> logger)
{
    public const string Name = "index-rebuild";

    /// <summary>The background rebuilds, as <c>faiss_rebuild_deferred_total{trigger}</c> names them.</summary>
    public const string AutomaticRecovery = "automatic_recovery";

    public const string TombstoneRebuild = "tombstone_rebuild";

    /// <summary>The held lease (dispose it when the rebuild ends), or the lease its holder has.</summary>
    public Task<(HeldFleetLease? Held, FleetLease Holder)> AcquireAsync(CancellationToken cancellationToken) =>
        leases.AcquireAsync(Name, cancellationToken);

    /// <summary>
    /// For a rebuild nobody waits on: the held lease, or null when the rebuild is deferred to its next
    /// tick (held elsewhere, or the store cannot be asked), logged and counted. A deferral is not a failure.
    /// </summary>
    public async Task<HeldFleetLease?> TryAcquireForBackgroundAsync(string trigger, CancellationToken cancellationToken)
    {
        try
        {
            var (held, holder) = await leases.AcquireAsync(Name, cancellationToken);
            if (held is null)
            {
                metrics.RebuildDeferred(trigger);
                LogDeferred(trigger, holder.Holder, holder.Epoch, holder.ExpiresAt);
            }

            return held;
        }
        catch (StoreUnavailableException exception)
        {
            metrics.RebuildDeferred(trigger);
            LogStoreUnavailable(trigger, exception.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS rebuild ({Trigger}) deferred to its next tick: replica {Holder} holds the rebuild lease (epoch {Epoch}, until {ExpiresAt})")]
    private partial void LogDeferred(string trigger, string holder, long epoch, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FAISS rebuild ({Trigger}) deferred to its next tick: the rebuild lease cannot be asked for ({Reason})")]
    private partial void LogStoreUnavailable(string trigger, string reason);
}
