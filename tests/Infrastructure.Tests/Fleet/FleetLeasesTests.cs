using CadMl.Application.Fleet;
using CadMl.Domain.Fleet;
using CadMl.Api.Tests.Infrastructure;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Fleet;
using CadMl.Infrastructure.Fleet;
using CadMl.Infrastructure.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CadMl.Infrastructure.Tests.Fleet;

/// <summary>
/// The holder's side of a fleet lease on a real store with a fake clock: it renews every third of
/// the duration while the run goes on, another replica is refused (and told who holds it), and a
/// released lease goes to the next replica with a higher epoch. (The expiry boundaries themselves
/// are in the store contract and the Domain tests.)
/// </summary>
public sealed class FleetLeasesTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "cadml-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 11, 0, 0, TimeSpan.Zero));
    private SqliteWriter _writer = null!;
    private FleetLeaseStore _store = null!;

    public async Task InitializeAsync()
    {
        var database = new SqliteDatabase(Options.Create(new DataOptions { DataDir = _dataDir }));
        await database.MigrateAsync(CancellationToken.None);
        database.MarkOpen("leases", new Dictionary<string, object?>());
        _writer = new SqliteWriter(database, NullLogger<SqliteWriter>.Instance);
        _store = new FleetLeaseStore(new SqliteStoreDatabase(database, _writer));
    }

    public async Task DisposeAsync()
    {
        await _writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private FleetLeases Replica(string id) => new(
        _store,
        Options.Create(new FleetControlOptions { LeaseSeconds = 30 }),
        new ReplicaIdentity(id, ReplicaTrack.Stable, "test"),
        _time,
        NullLogger<FleetLeases>.Instance);

    [Fact]
    public async Task The_holder_renews_every_third_of_the_term_others_are_refused_and_told_the_holder_and_a_release_hands_it_on_with_a_higher_epoch()
    {
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        var t0 = _time.GetUtcNow();

        var (held, _) = await a.AcquireAsync("vector-migration", CancellationToken.None);
        held!.Current.ExpiresAt.Should().Be(t0.AddSeconds(30));

        _time.Advance(TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(() => held.Current.ExpiresAt == t0.AddSeconds(40), TimeSpan.FromSeconds(10));

        var (refused, holder) = await b.AcquireAsync("vector-migration", CancellationToken.None);
        refused.Should().BeNull();
        holder.Holder.Should().Be("replica-a");
        holder.Epoch.Should().Be(1);

        await held.DisposeAsync();
        var (taken, _) = await b.AcquireAsync("vector-migration", CancellationToken.None);
        taken.Should().NotBeNull("the released lease is free at once");
        taken!.Current.Epoch.Should().Be(2);
        await taken.DisposeAsync();
    }
}
