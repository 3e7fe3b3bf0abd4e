namespace CadMl.Domain.Caching;

/// <summary>
/// The settings in force before a live change, kept so the change can be undone inside the
/// rollback window [<see cref="AppliedAt"/>, <see cref="CanRollbackUntil"/>). The window is
/// half-open: at exactly <see cref="CanRollbackUntil"/> it has closed.
/// </summary>
public sealed record CacheSettingsSnapshot(CacheSettings Previous, CacheSettings Applied, DateTimeOffset AppliedAt, DateTimeOffset CanRollbackUntil)
{
    public bool IsOpenAt(DateTimeOffset now) => now >= AppliedAt && now < CanRollbackUntil;
}
