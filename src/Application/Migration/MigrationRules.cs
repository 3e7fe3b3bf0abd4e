using CadMl.Application.Features;
using CadMl.Application.Migration.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;
using FluentValidation;

namespace CadMl.Application.Migration;

/// <summary>Rules shared by preview and migrate, so both plan a stored vector the same way.</summary>
internal static class MigrationRules
{
    public static IRuleBuilderOptions<T, string?> TargetVersion<T>(this IRuleBuilder<T, string?> rule) =>
        rule.FeatureVersionName("to_version", optional: false)
            .WithState(_ => new Dictionary<string, object?> { ["allowed"] = FeatureVersions.Names });

    /// <summary>
    /// The plan for one stored vector. Its document counts only when it reproduces the stored
    /// values (see <see cref="VectorMigration.IsSourceOf"/>); a document that exists but cannot be
    /// read makes a move an error rather than a silent fall-back to padding.
    /// </summary>
    public static MigrationPlanItem Plan(MigrationSource source, FeatureVersion target)
    {
        if (source.Version is not { } declared)
        {
            return MigrationPlanner.Unreadable(source.Id, source.Values.Count, target, $"unknown feature version '{source.DeclaredVersion}'");
        }

        var hasDocument = source.Document is { } document && VectorMigration.IsSourceOf(document, declared, source.Values);
        var hasShape = source.Document is { } stored && EarlierLayouts.HasV5Facts(stored);
        var item = MigrationPlanner.Plan(new MigrationCandidate(source.Id, declared, source.Values.Count, hasDocument, hasShape,
            source.Document?.Format ?? CadFormats.FromName(source.Format)), target);
        return source.DocumentProblem is { } problem && item.Status is MigrationItemStatus.UpgradePreview or MigrationItemStatus.DowngradePreview
            ? item with { Status = MigrationItemStatus.ErrorPreview, Method = null, Error = $"the stored document cannot be read: {problem}" }
            : item;
    }
}
