using FluentValidation;

namespace CadMl.Application.Common.Idempotency;

public static class IdempotencyKeyRules
{
    /// <summary>The header's format rule, the same for every keyed endpoint (422 <c>INPUT_VALIDATION_FAILED</c> on <c>idempotency_key</c>).</summary>
    public static IRuleBuilderOptions<T, string?> ValidIdempotencyKey<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(IdempotencyKeys.IsValid)
            .WithMessage($"Idempotency-Key must be 1..{IdempotencyKeys.MaxLength} printable ASCII characters without spaces.");
}
