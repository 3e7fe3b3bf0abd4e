using CadMl.Application.Features;
using CadMl.Application.Vectors;
using CadMl.Application.Common.Idempotency;
using FluentValidation;

namespace CadMl.Application.Analysis.AnalyzeFile;

internal sealed class AnalyzeFileValidator : AbstractValidator<AnalyzeFileCommand>
{
    public AnalyzeFileValidator()
    {
        RuleFor(c => c.FileName).NotEmpty()
            .WithMessage("The file name is empty once paths, control and bidirectional-override characters are removed.")
            .MaximumLength(255);
        RuleFor(c => c.FeatureVersion).FeatureVersionName("feature_version");
        RuleFor(c => c.MinScore).MinScoreInRange();
        RuleFor(c => c.MinGeneration).MinGenerationValid();
        RuleFor(c => c.Material).MaximumLength(200);
        RuleFor(c => c.ProjectId).MaximumLength(200);
        RuleFor(c => c.IdempotencyKey).ValidIdempotencyKey();
    }
}
