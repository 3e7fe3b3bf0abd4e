using CadMl.Application.Common.Problems;
using CadMl.Application.Features;
using CadMl.Domain.Features;
using FluentValidation;

namespace CadMl.Application.Vectors;

/// <summary>Rules shared by the vector use cases, so register and search agree on what a vector is.</summary>
internal static class VectorRules
{
    public const int MaxIdLength = 200;
    public const int MaxMetaEntries = 32;
    public const int MaxMetaKeyLength = 64;
    public const int MaxMetaValueLength = 500;

    /// <summary>Larger than any feature version, small enough that a body cannot make the service allocate much.</summary>
    public const int MaxValues = 1024;

    public static IRuleBuilderOptions<T, IReadOnlyList<double>?> FiniteValues<T>(this IRuleBuilder<T, IReadOnlyList<double>?> rule) =>
        rule.Must(v => v is null || (v.Count <= MaxValues && v.All(double.IsFinite)))
            .WithMessage($"vector values must be finite numbers, at most {MaxValues} of them.");

    public static IRuleBuilderOptions<T, string?> KnownVersion<T>(this IRuleBuilder<T, string?> rule) =>
        rule.FeatureVersionName("feature_version");

    /// <summary>
    /// The version a vector claims: the one named, else the one its length identifies, else the
    /// configured default (which then fails the dimension check with a precise message).
    /// </summary>
    /// <summary>A score floor is a cosine: -1..1 (a finite number).</summary>
    public static IRuleBuilderOptions<T, double?> MinScoreInRange<T>(this IRuleBuilder<T, double?> rule) =>
        rule.Must(v => v is null || (double.IsFinite(v.Value) && v.Value is >= -1 and <= 1))
            .WithMessage("min_score must be a number from -1 to 1 (a cosine score).");

    public static IRuleBuilderOptions<T, long?> MinGenerationValid<T>(this IRuleBuilder<T, long?> rule) =>
        rule.Must(v => v is null or >= 0)
            .WithMessage("min_generation must be a whole number ≥ 0 (the X-Store-Generation of a write).");

    public static FeatureVersion VersionOf(string? named, int length, string configured) =>
        named is not null ? FeatureVersions.Parse(named)
        : FeatureVersions.ForDimension(length) ?? FeatureVersions.Parse(configured);

    public static Problem? DimensionProblem(FeatureVersion version, int found) =>
        found == version.Dimension()
            ? null
            : new Problem(ErrorCodes.DimensionMismatch, "dimension_check",
                $"A {version.Name()} vector has {version.Dimension()} values, this one has {found}.",
                new Dictionary<string, object?>
                {
                    ["feature_version"] = version.Name(),
                    ["expected"] = version.Dimension(),
                    ["found"] = found,
                });
}
