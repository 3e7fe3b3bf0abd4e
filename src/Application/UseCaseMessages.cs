using Ardalis.Result;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application;

/// <summary>
/// A message whose answer a pipeline behaviour can give instead of its handler (a validation
/// failure, a busy gate, a damaged store). Behaviours constrain their message to this interface,
/// so the compiler, not a run-time look at the response type, decides which messages they
/// answer, and the answer is built without reflection.
/// </summary>
public interface IAnswersWithProblem<TResponse>
{
    static abstract TResponse Refuse(Problem problem);
}

/// <summary>A use case that changes something and answers a <typeparamref name="TValue"/> or a <see cref="Problem"/>.</summary>
public interface IUseCaseCommand<TValue> : ICommand<Result<TValue>>, IAnswersWithProblem<Result<TValue>>
{
    static Result<TValue> IAnswersWithProblem<Result<TValue>>.Refuse(Problem problem) => problem.ToResult<TValue>();
}

/// <summary>A use case that only reads and answers a <typeparamref name="TValue"/> or a <see cref="Problem"/>.</summary>
public interface IUseCaseQuery<TValue> : IQuery<Result<TValue>>, IAnswersWithProblem<Result<TValue>>
{
    static Result<TValue> IAnswersWithProblem<Result<TValue>>.Refuse(Problem problem) => problem.ToResult<TValue>();
}
