using Ardalis.Result;

namespace CadMl.Application.Common.Problems;

/// <summary>
/// A failed <see cref="Result{T}"/> that carries a <see cref="Problem"/>. Ardalis results only
/// carry strings; subclassing keeps the handler signatures plain <c>Result&lt;T&gt;</c> while the
/// code, stage and context travel intact to the one HTTP mapper.
/// </summary>
public sealed class ProblemResult<T> : Result<T>
{
    public ProblemResult(Problem problem)
        : base(problem.Status)
    {
        Problem = problem;
        Errors = [problem.Message];
    }

    public Problem Problem { get; }
}

public static class ProblemResultExtensions
{
    /// <summary>
    /// The problem behind a failed result: the one its handler attached or, for a result built
    /// without one, the catalogue's generic code of its status (so a caller never meets a failure
    /// without a code).
    /// </summary>
    public static Problem ToProblem<T>(this Result<T> result)
    {
        if (result is ProblemResult<T> carrier)
        {
            return carrier.Problem;
        }

        var code = ErrorCodes.ForResult(result.Status);
        return new Problem(code, "handler", result.Errors.FirstOrDefault() ?? code.Meaning);
    }
}
