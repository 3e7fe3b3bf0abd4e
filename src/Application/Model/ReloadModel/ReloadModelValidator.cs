using FluentValidation;

namespace CadMl.Application.Model.ReloadModel;

/// <summary>Shape only; what the path may name is the resolve stage's decision, with its own error code.</summary>
internal sealed class ReloadModelValidator : AbstractValidator<ReloadModelCommand>
{
    public ReloadModelValidator()
    {
        RuleFor(c => c.Path).NotEmpty().WithMessage("path must name a model file relative to the model folder.");
        RuleFor(c => c.ExpectedVersion).MaximumLength(64);
    }
}
