using CadMl.Domain.Features;
using CadMl.Application.Vectors;
using FluentValidation;

namespace CadMl.Application.Analysis.AnalyzeFile;

internal sealed class AnalyzeFileValidator : AbstractValidator<AnalyzeFileCommand>
{
    public AnalyzeFileValidator()
    {
        RuleFor(c => c.FileName).NotEmpty().MaximumLength(255);
        RuleFor(c => c.FeatureVersion)
            .Must(v => v is null || FeatureVersions.TryParse(v, out _))
            .WithMessage($"feature_version must be one of {string.Join(", ", FeatureVersions.Names)}.");
        RuleFor(c => c.MinScore).MinScoreInRange();
        RuleFor(c => c.Material).MaximumLength(200);
        RuleFor(c => c.ProjectId).MaximumLength(200);
    }
}
