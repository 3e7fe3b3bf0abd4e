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
                    field == "capacity" ? command.Capacity : command.TtlSeconds)
                {
                    // The limits travel to context, so a caller can correct the value without the docs.
                    CustomState = field == "capacity"
                        ? new Dictionary<string, object?> { ["min_capacity"] = 1, ["max_capacity"] = CacheSettings.MaxCapacity }
                        : null,
                });
            }
        });
}
