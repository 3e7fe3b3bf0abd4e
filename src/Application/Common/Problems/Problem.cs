using Ardalis.Result;

namespace CadMl.Application.Common.Problems;

/// <summary>
/// An expected failure, described for the caller: what went wrong (<see cref="Error"/>, a code of
/// the <see cref="ErrorCodes"/> catalogue), where (<see cref="Stage"/>), in words
/// (<see cref="Message"/>) and the facts behind it (<see cref="Context"/>: limits, offending
/// values, allowed values). The Api turns it into one problem+json body; nothing on the way may
/// drop these members.
/// </summary>
public sealed record Problem(
    ErrorCode Error,
    string Stage,
    string Message,
    IReadOnlyDictionary<string, object?> Context)
{
    /// <summary>A problem without facts beyond its message.</summary>
    public Problem(ErrorCode error, string stage, string message)
        : this(error, stage, message, Empty)
    {
    }

    /// <summary>The code as it goes on the wire.</summary>
    public string Code => Error.Name;

    public ResultStatus Status => Error.Result;

    /// <summary>The failure as the result of a use case returning <typeparamref name="T"/>.</summary>
    public Result<T> ToResult<T>() => new ProblemResult<T>(this);

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();
}
