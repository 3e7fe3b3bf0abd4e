using FluentValidation;

namespace CadMl.Application.Vectors.SearchVectors;

internal sealed class SearchVectorsValidator : AbstractValidator<SearchVectorsQuery>
{
    public const int MaxK = 100;

    public SearchVectorsValidator()
    {
        RuleFor(q => q)
            .Must(q => (q.Vector is null) != (q.Id is null))
            .WithName("vector")
            .WithMessage("Give exactly one of vector or id.");
        RuleFor(q => q.MinGeneration).MinGenerationValid();
        RuleFor(q => q.Vector).NotEmpty().When(q => q.Vector is not null).FiniteValues();
        RuleFor(q => q.Id).NotEmpty().MaximumLength(VectorRules.MaxIdLength).When(q => q.Id is not null);
        RuleFor(q => q.K).InclusiveBetween(1, MaxK);
        RuleFor(q => q.FeatureVersion).KnownVersion();
        RuleFor(q => q.MinScore).MinScoreInRange();
    }
}
