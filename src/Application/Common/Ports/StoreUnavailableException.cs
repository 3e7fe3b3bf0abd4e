using CadMl.Application.Common.Problems;

namespace CadMl.Application.Common.Ports;

/// <summary>
/// Thrown by the durable store's adapter when it cannot serve at all (damaged, refused at start,
/// not open). It crosses every use case the same way, so one pipeline behaviour turns it into
/// its 503 <see cref="Problem"/> rather than each handler testing the store first.
/// </summary>
public sealed class StoreUnavailableException(Problem problem) : Exception(problem.Message)
{
    public Problem Problem { get; } = problem;
}

/// <summary>
/// Recognises a failure of the durable store in any exception (e.g. SQLite reporting a corrupt
/// page), marks the store damaged and describes it; null for anything else.
/// </summary>
public interface IStoreFaults
{
    Problem? Classify(Exception exception);
}
