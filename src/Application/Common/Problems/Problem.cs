using Ardalis.Result;

namespace CadMl.Application.Common.Problems;

/// <summary>
/// An expected failure, described for the caller: what went wrong (<see cref="Code"/>), where
/// (<see cref="Stage"/>), in words (<see cref="Message"/>) and the facts behind it
/// (<see cref="Context"/>: limits, offending values, allowed values). The Api turns it into one
/// problem+json body; nothing on the way may drop these members.
/// </summary>
public sealed record Problem(
    ResultStatus Status,
    string Code,
    string Stage,
    string Message,
    IReadOnlyDictionary<string, object?> Context)
{
    public static Problem Invalid(string code, string stage, string message, IReadOnlyDictionary<string, object?>? context = null) =>
        new(ResultStatus.Invalid, code, stage, message, context ?? Empty);

    public static Problem NotFound(string code, string stage, string message, IReadOnlyDictionary<string, object?>? context = null) =>
        new(ResultStatus.NotFound, code, stage, message, context ?? Empty);

    public static Problem Conflict(string code, string stage, string message, IReadOnlyDictionary<string, object?>? context = null) =>
        new(ResultStatus.Conflict, code, stage, message, context ?? Empty);

    public static Problem Unavailable(string code, string stage, string message, IReadOnlyDictionary<string, object?>? context = null) =>
        new(ResultStatus.Unavailable, code, stage, message, context ?? Empty);

    public static Problem Forbidden(string code, string stage, string message, IReadOnlyDictionary<string, object?>? context = null) =>
        new(ResultStatus.Forbidden, code, stage, message, context ?? Empty);

    /// <summary>The failure as the result of a use case returning <typeparamref name="T"/>.</summary>
    public Result<T> ToResult<T>() => new ProblemResult<T>(this);

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();
}
