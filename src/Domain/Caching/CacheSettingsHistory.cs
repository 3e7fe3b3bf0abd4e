namespace CadMl.Domain.Caching;

/// <summary>
/// The rules for live cache changes: one change at a time, undoable inside its window. An apply
/// while a window is open is refused (the operator must roll back or wait), so "rollback" always
/// means "back to what ran before the last change", never an older state.
/// </summary>
public sealed record CacheSettingsHistory(CacheSettings Current, CacheSettingsSnapshot? Snapshot)
{
    public ApplyDecision DecideApply(CacheSettings proposed, DateTimeOffset now, TimeSpan window)
    {
        if (Snapshot is { } open && open.IsOpenAt(now))
        {
            return new ApplyDecision.WindowActive(open.CanRollbackUntil);
        }

        var snapshot = new CacheSettingsSnapshot(Current, proposed, now, now + window);
        return new ApplyDecision.Apply(this with { Current = proposed, Snapshot = snapshot }, snapshot);
    }

    public RollbackDecision DecideRollback(DateTimeOffset now) => Snapshot switch
    {
        null => new RollbackDecision.NothingToRollBack(),
        { } snapshot when !snapshot.IsOpenAt(now) => new RollbackDecision.Expired(snapshot.CanRollbackUntil),
        { } snapshot => new RollbackDecision.Restore(new CacheSettingsHistory(snapshot.Previous, null), snapshot.Previous),
    };
}

public abstract record ApplyDecision
{
    private ApplyDecision()
    {
    }

    public sealed record Apply(CacheSettingsHistory Next, CacheSettingsSnapshot Snapshot) : ApplyDecision;

    public sealed record WindowActive(DateTimeOffset CanRollbackUntil) : ApplyDecision;
}

public abstract record RollbackDecision
{
    private RollbackDecision()
    {
    }

    public sealed record Restore(CacheSettingsHistory Next, CacheSettings Restored) : RollbackDecision;

    public sealed record Expired(DateTimeOffset ExpiredAt) : RollbackDecision;

    public sealed record NothingToRollBack : RollbackDecision;
}
