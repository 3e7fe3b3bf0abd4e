using Ardalis.Result;

namespace CadMl.Application.Common.Problems;

/// <summary>Lets the Api find the <see cref="Problem"/> behind any failed result, whatever its value type.</summary>
public interface IProblemResult
{
    Problem Problem { get; }
}

/// <summary>
/// A failed <see cref="Result{T}"/> that carries a <see cref="Problem"/>. Ardalis results only
/// carry strings; subclassing keeps the handler signatures plain <c>Result&lt;T&gt;</c> while the
/// code, stage and context travel intact to the one HTTP mapper.
/// </summary>
public sealed class ProblemResult<T> : Result<T>, IProblemResult
{
    public ProblemResult(Problem problem)
        : base(problem.Status)
    {
        Problem = problem;
        Errors = [problem.Message];
    }

    public Problem Problem { get; }
}

/// <summary>Builds a failed <typeparamref name="TResponse"/> in pipeline behaviours that only know the response type.</summary>
internal static class ProblemResults<TResponse>
{
    private static readonly Func<Problem, TResponse>? Factory = CreateFactory();

    public static bool CanCreate => Factory is not null;

    public static TResponse Create(Problem problem) =>
        Factory is null
            ? throw new InvalidOperationException($"{typeof(TResponse).Name} is not a Result<T>; use cases must return Result<T>.")
            : Factory(problem);

    private static Func<Problem, TResponse>? CreateFactory()
    {
        var type = typeof(TResponse);
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Result<>))
        {
            return null;
        }

        var closed = typeof(ProblemResult<>).MakeGenericType(type.GetGenericArguments()[0]);
        return problem => (TResponse)Activator.CreateInstance(closed, problem)!;
    }
}
