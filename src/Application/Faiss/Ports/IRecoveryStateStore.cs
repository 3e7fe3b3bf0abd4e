using CadMl.Domain.Degradation;

namespace CadMl.Application.Faiss.Ports;

/// <summary>
/// Where the degradation state survives restarts: a file (default) or Redis, chosen by
/// <c>FAISS_RECOVERY_STATE_BACKEND</c>. A save replaces the whole state atomically; a load
/// validates it and never returns a state it could not trust.
/// </summary>
public interface IRecoveryStateStore
{
    /// <summary><c>file</c> or <c>redis</c>.</summary>
    string Backend { get; }

    Task<RecoveryStateLoad> LoadAsync(RecoveryPolicy policy, CancellationToken cancellationToken);

    Task SaveAsync(DegradationState state, CancellationToken cancellationToken);
}

/// <summary>
/// The loaded state, or none. <see cref="Problem"/> says why a stored state was refused (and
/// where it was moved aside), so it can be reported rather than silently replaced.
/// </summary>
public sealed record RecoveryStateLoad(DegradationState? State, string? Problem)
{
    public static readonly RecoveryStateLoad Empty = new(null, null);
}
