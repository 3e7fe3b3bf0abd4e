using CadMl.Domain.Degradation;

namespace CadMl.Application.Faiss.Ports;

/// <summary>
/// Where the degradation state survives restarts: a file (default) or Redis, chosen by
/// <c>FAISS_RECOVERY_STATE_BACKEND</c>. A save replaces the whole state atomically; a load
/// applies the caller's validation and never returns a state that failed it.
/// </summary>
public interface IRecoveryStateStore
{
    /// <summary><c>file</c> or <c>redis</c>.</summary>
    string Backend { get; }

    /// <param name="problems">The rules a stored state must pass (the use case's policy); a state with problems is moved aside and reported.</param>
    Task<RecoveryStateLoad> LoadAsync(Func<DegradationState, IEnumerable<string>> problems, CancellationToken cancellationToken);

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

/// <summary>The state backend could not be read or written (disk, Redis); the state in memory stays authoritative.</summary>
public sealed class RecoveryStateUnavailableException(string message, Exception inner) : Exception(message, inner);
