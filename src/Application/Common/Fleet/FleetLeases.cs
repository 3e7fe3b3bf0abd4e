using CadMl.Application.Fleet;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Ports;
using CadMl.Domain.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Common.Fleet;

/// <summary>
/// Fleet leases for this replica: an operation that must run once across the fleet takes its
/// lease here, holds it (renewed every <see cref="FleetLeaseTerms.RenewEvery"/>) while it runs,
/// and passes <see cref="HeldFleetLease.Current"/> with its writes as the fencing token.
/// </summary>
public sealed partial class FleetLeases(
    IFleetLeaseStore store,
    IOptions<FleetControlOptions> options,
    ReplicaIdentity identity,
    TimeProvider time,
    ILogger<FleetLeases> logger)
{
    private readonly FleetLeaseTerms _terms = new(TimeSpan.FromSeconds(options.Value.LeaseSeconds));

    public string ReplicaId => identity.Id;

    /// <summary>The held lease (dispose it to stop renewing and release it), or the lease another replica holds.</summary>
    public async Task<(HeldFleetLease? Held, FleetLease Holder)> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempt = await store.AcquireAsync(name, ReplicaId, now, _terms.ExpiryFrom(now), cancellationToken);
        if (attempt is LeaseAttempt.HeldByOther other)
        {
            return (null, other.Lease);
        }

        LogAcquired(name, attempt.Lease.Epoch);
        return (new HeldFleetLease(attempt.Lease, this), attempt.Lease);
    }

    internal async Task<FleetLease?> RenewAsync(FleetLease lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await store.RenewAsync(lease, now, _terms.ExpiryFrom(now), cancellationToken);
    }

    /// <summary>A release that fails (store down) is logged: the lease then simply lapses at its expiry.</summary>
    internal async Task ReleaseAsync(FleetLease lease)
    {
        try
        {
            await store.ReleaseAsync(lease, CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogReleaseFailed(exception, lease.Name, lease.ExpiresAt);
        }
    }

    internal TimeSpan RenewEvery => _terms.RenewEvery;

    internal TimeProvider Time => time;

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet lease {Name} acquired with epoch {Epoch}")]
    private partial void LogAcquired(string name, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fleet lease {Name} (epoch {Epoch}) was lost; the run's further writes are fenced off")]
    internal partial void LogLost(string name, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing fleet lease {Name} failed; it lapses at {ExpiresAt}")]
    private partial void LogReleaseFailed(Exception exception, string name, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing fleet lease {Name} failed; the next renewal retries before it lapses")]
    internal partial void LogRenewFailed(Exception exception, string name);
}

/// <summary>
/// A lease this replica holds. A renewal loop keeps it alive; when a renewal finds it lost (it
/// lapsed, another replica took it) the loop stops and <see cref="Current"/> keeps the old epoch,
/// which the store's fencing check then refuses. Dispose awaits the loop and releases the lease.
/// </summary>
public sealed class HeldFleetLease : IAsyncDisposable
{
    private readonly FleetLeases _leases;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private volatile FleetLease _current;

    internal HeldFleetLease(FleetLease lease, FleetLeases leases)
    {
        _current = lease;
        _leases = leases;
        _renewing = RenewAsync(_stop.Token);
    }

    public FleetLease Current => _current;

    private async Task RenewAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_leases.RenewEvery, _leases.Time, stop);
                try
                {
                    if (await _leases.RenewAsync(_current, stop) is not { } renewed)
                    {
                        _leases.LogLost(_current.Name, _current.Epoch);
                        return;
                    }

                    _current = renewed;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    _leases.LogRenewFailed(exception, _current.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _stop.Dispose();
        await _leases.ReleaseAsync(_current);
    }
}

/// <summary>A write of a run was fenced off: the run's lease is no longer held with its epoch.</summary>
public sealed class FleetLeaseLostException(FleetLease lease)
    : Exception($"The fleet lease {lease.Name} (epoch {lease.Epoch}) was lost to another replica; this run stopped writing.");
