using CadMl.Domain.Caching;
using FluentValidation;

namespace CadMl.Application.FeatureCache.ApplyCacheSettings;

internal sealed class ApplyCacheSettingsValidator : AbstractValidator<ApplyCacheSettingsCommand>
{
    public ApplyCacheSettingsValidator() =>
        RuleFor(c => c).Custom((command, context) =>
        {
            foreach (var (field, message) in CacheSettings.Problems(command.Capacity, command.TtlSeconds))
            {
                context.AddFailure(new FluentValidation.Results.ValidationFailure(field, message,
                    field == "capacity" ? command.Capacity : command.TtlSeconds));
            }
        });
}
