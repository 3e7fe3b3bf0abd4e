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
    where TMessage : notnull, IMessage, IAnswersWithProblem<TResponse>
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

        return TMessage.Refuse(ValidationProblem.From(failures.Select(f =>
            new FieldError(f.PropertyName, f.ErrorMessage, f.AttemptedValue is string or ValueType ? f.AttemptedValue : null,
                f.CustomState as IReadOnlyDictionary<string, object?>))));
    }
}

/// <summary>
/// One offending field of a request, as the caller named it. <see cref="Facts"/> are what a
/// validator attached with <c>WithState</c> (e.g. <c>allowed</c> values) for the caller to act on.
/// </summary>
public sealed record FieldError(string Field, string Message, object? Rejected = null, IReadOnlyDictionary<string, object?>? Facts = null);

public static class ValidationProblem
{
    /// <summary>
    /// Each field's facts go into its entry in <c>context.errors</c> and, the first time a fact
    /// name appears, to the top of <c>context</c> as well, where clients look for <c>allowed</c>.
    /// </summary>
    public static Problem From(IEnumerable<FieldError> errors)
    {
        var context = new Dictionary<string, object?>();
        var list = new List<Dictionary<string, object?>>();
        foreach (var error in errors)
        {
            var entry = new Dictionary<string, object?>
            {
                ["field"] = SnakeCase(error.Field),
                ["message"] = error.Message,
                ["rejected"] = error.Rejected,
            };
            foreach (var (name, value) in error.Facts ?? new Dictionary<string, object?>())
            {
                entry.TryAdd(name, value);
                context.TryAdd(name, value);
            }

            list.Add(entry);
        }

        context["errors"] = list;
        return new Problem(ErrorCodes.InputValidationFailed, "validation", "The request is not valid; see context.errors.", context);
    }

    /// <summary>Field names go back to the caller in the wire casing they sent.</summary>
    private static string SnakeCase(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
