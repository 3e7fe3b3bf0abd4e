using CadMl.Application.Common.Problems;
using FluentValidation;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// Runs every FluentValidation validator of the message before its handler; failures become
/// 422 <c>INPUT_VALIDATION_FAILED</c> with one entry per offending field, and the handler never runs.
/// </summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        List<FluentValidation.Results.ValidationFailure>? failures = null;
        foreach (var validator in validators)
        {
            var outcome = await validator.ValidateAsync(message, cancellationToken);
            if (!outcome.IsValid)
            {
                (failures ??= []).AddRange(outcome.Errors);
            }
        }

        if (failures is null)
        {
            return await next(message, cancellationToken);
        }

        return ProblemResults<TResponse>.Create(ValidationProblem.From(failures.Select(f =>
            new FieldError(f.PropertyName, f.ErrorMessage, f.AttemptedValue is string or ValueType ? f.AttemptedValue : null))));
    }
}

/// <summary>One offending field of a request, as the caller named it.</summary>
public sealed record FieldError(string Field, string Message, object? Rejected = null);

public static class ValidationProblem
{
    public const string Code = "INPUT_VALIDATION_FAILED";

    public static Problem From(IEnumerable<FieldError> errors)
    {
        var list = errors.Select(e => new Dictionary<string, object?>
        {
            ["field"] = SnakeCase(e.Field),
            ["message"] = e.Message,
            ["rejected"] = e.Rejected,
        }).ToList();
        return Problem.Invalid(Code, "validation", "The request is not valid; see context.errors.",
            new Dictionary<string, object?> { ["errors"] = list });
    }

    /// <summary>Field names go back to the caller in the wire casing they sent.</summary>
    private static string SnakeCase(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
