using FluentValidation;

namespace CadMl.Application.FeatureCache.PrewarmCache;

internal sealed class PrewarmCacheValidator : AbstractValidator<PrewarmCacheCommand>
{
    public PrewarmCacheValidator()
    {
        RuleFor(c => c.Strategy)
            .Must(s => s is null || PrewarmCacheCommand.Strategies.Contains(s))
            .WithMessage($"strategy must be one of {string.Join(", ", PrewarmCacheCommand.Strategies)}.");
        RuleFor(c => c.Limit).GreaterThanOrEqualTo(1).When(c => c.Limit is not null);
    }
}
