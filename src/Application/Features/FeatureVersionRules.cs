using CadMl.Domain.Features;
using FluentValidation;

namespace CadMl.Application.Features;

/// <summary>
/// The one request rule for a feature version name: one of <see cref="FeatureVersions.Names"/>
/// (parsed by <see cref="FeatureVersions.TryParse"/>), or absent where the configured default
/// applies. Which versions exist, their dimensions and pad/truncate compatibility live in
/// Domain's <see cref="FeatureVersions"/>; every validator names versions through this.
/// </summary>
internal static class FeatureVersionRules
{
    public static IRuleBuilderOptions<T, string?> FeatureVersionName<T>(this IRuleBuilder<T, string?> rule, string field, bool optional = true) =>
        rule.Must(v => (optional && v is null) || FeatureVersions.TryParse(v, out _))
            .WithMessage($"{field} must be one of {string.Join(", ", FeatureVersions.Names)}.");
}
