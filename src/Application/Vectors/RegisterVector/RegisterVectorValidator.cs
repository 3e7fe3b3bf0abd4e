using CadMl.Application.Common.Idempotency;
using FluentValidation;

namespace CadMl.Application.Vectors.RegisterVector;

internal sealed class RegisterVectorValidator : AbstractValidator<RegisterVectorCommand>
{
    public RegisterVectorValidator()
    {
        RuleFor(c => c.Id).NotEmpty().MaximumLength(VectorRules.MaxIdLength)
            .Must(id => id is null || id.All(c => !char.IsControl(c) && c != '/'))
            .WithMessage("id must not contain control characters or '/'.");
        RuleFor(c => c.Vector).NotNull().NotEmpty().FiniteValues();
        RuleFor(c => c.FeatureVersion).KnownVersion();
        RuleFor(c => c.Meta)
            .Must(m => m is null || m.Count <= VectorRules.MaxMetaEntries)
            .WithMessage($"meta may have at most {VectorRules.MaxMetaEntries} entries.")
            .Must(m => m is null || m.All(e =>
                e.Key.Length is > 0 and <= VectorRules.MaxMetaKeyLength && e.Value is not null && e.Value.Length <= VectorRules.MaxMetaValueLength))
            .WithMessage($"meta keys must be 1..{VectorRules.MaxMetaKeyLength} characters and values non-null strings of at most {VectorRules.MaxMetaValueLength}.");
        RuleFor(c => c.IdempotencyKey).ValidIdempotencyKey();
    }
}
