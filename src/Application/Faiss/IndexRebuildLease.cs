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
public sealed partial class IndexRebuildLease(FleetLeases leases, IStoreFaults faults, IRecoveryMetrics metrics, ILogger<IndexRebuildLease> logger)
{
    public const string Name = "index-rebuild";

    /// <summary>The rebuilds nobody waits on, as <c>faiss_rebuild_deferred_total{trigger}</c> names them.</summary>
    public const string AutomaticRecovery = "automatic_recovery";

    public const string TombstoneRebuild = "tombstone_rebuild";

    /// <summary>An operator's recover: it waits for nothing, it is answered 409 with the holder instead.</summary>
    public const string ManualRecovery = "manual_recovery";

    /// <summary>
    /// The lease for one rebuild by <paramref name="trigger"/>. Held by another: a background trigger
    /// is deferred to its next tick (logged and counted; not a failure). When the store cannot answer,
    /// the rebuild goes ahead without the lease: it then puts no load on the store (it copies the
    /// in-memory exact index), and FAISS must not stay down until the store is back.
    /// </summary>
    public async Task<RebuildLeaseAttempt> AcquireAsync(string trigger, CancellationToken cancellationToken)
    {
        try
        {
            var (held, holder) = await leases.AcquireAsync(Name, cancellationToken);
            if (held is null && trigger != ManualRecovery)
            {
                metrics.RebuildDeferred(trigger);
                LogDeferred(trigger, holder.Holder, holder.Epoch, holder.ExpiresAt);
            }

            return new RebuildLeaseAttempt(held, holder);
        }
        catch (Exception exception) when (exception is StoreUnavailableException || faults.Classify(exception) is not null)
        {
            LogUnanswered(trigger, exception.Message);
            return new RebuildLeaseAttempt(null, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "FAISS rebuild ({Trigger}) deferred to its next tick: replica {Holder} holds the rebuild lease (epoch {Epoch}, until {ExpiresAt})")]
    private partial void LogDeferred(string trigger, string holder, long epoch, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FAISS rebuild ({Trigger}) runs without the fleet's rebuild lease: the store cannot answer ({Reason})")]
    private partial void LogUnanswered(string trigger, string reason);
}

/// <summary>
/// <paramref name="Held"/>: this rebuild holds the lease. Otherwise <paramref name="Holder"/> holds
/// it, or, with both null, the store could not be asked. Disposing it (when the rebuild ends)
/// releases a held lease.
/// </summary>
public sealed record RebuildLeaseAttempt(HeldFleetLease? Held, FleetLease? Holder) : IAsyncDisposable
{
    public bool HeldElsewhere => Held is null && Holder is not null;

    public ValueTask DisposeAsync() => Held?.DisposeAsync() ?? ValueTask.CompletedTask;
}
