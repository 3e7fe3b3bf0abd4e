using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Domain.Migration;

/// <summary>What happened to one vector in a migration run.</summary>
public enum MigrationOutcome
{
    /// <summary>Moved to a higher version.</summary>
    Migrated,

    /// <summary>Moved to a lower version (slots dropped).</summary>
    Downgraded,

    /// <summary>Already at the target version; left untouched.</summary>
    Skipped,

    /// <summary>An id the caller named that has no stored vector.</summary>
    NotFound,

    /// <summary>Could not be moved; the item says why, the stored vector is untouched.</summary>
    Error,

    /// <summary>Would have been migrated or downgraded; a dry run writes nothing.</summary>
    DryRun,
}

/// <summary>
/// Carries out a <see cref="MigrationPlanItem"/>: the vector the target version gets, and the
/// outcome to report. Pure, like the planner.
/// </summary>
public static class VectorMigration
{
    /// <summary>
    /// True when extracting <paramref name="version"/> from <paramref name="document"/> gives
    /// <paramref name="values"/> bit for bit. Only then is the document the vector's source: a
    /// vector replaced through the vector API under an analysis id carries someone else's values,
    /// and recomputing it from the analysis would silently overwrite them.
    /// </summary>
    public static bool IsSourceOf(CadDocument document, FeatureVersion version, IReadOnlyList<double> values)
    {
        if (values.Count != version.Dimension())
        {
            return false;
        }

        var extracted = FeatureExtractor.Extract(document, version).Values;
        for (var i = 0; i < values.Count; i++)
        {
            if (BitConverter.DoubleToInt64Bits(values[i]) != BitConverter.DoubleToInt64Bits(extracted[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The target vector of an upgrade or downgrade: recomputed from the document (equal to a fresh
    /// extraction), else padded with 0.0 or truncated. Null with a reason when the item cannot be
    /// carried out or the result would not be a valid vector.
    /// </summary>
    public static FeatureVector? Apply(MigrationPlanItem item, FeatureVector current, CadDocument? document, out string? error)
    {
        FeatureVector? result = item.Method switch
        {
            MigrationMethod.Recompute when document is not null => FeatureExtractor.Extract(document, item.To),
            MigrationMethod.Pad or MigrationMethod.Truncate => current.ConvertTo(item.To),
            _ => null,
        };

        if (result is null)
        {
            error = item.Error ?? (item.Method == MigrationMethod.Recompute ? "the source document is missing" : "nothing to migrate");
            return null;
        }

        if (result.Values.Any(v => !double.IsFinite(v)))
        {
            error = $"the {item.To.Name()} values would not be finite numbers";
            return null;
        }

        error = null;
        return result;
    }

    /// <summary>
    /// <see cref="Apply(MigrationPlanItem, FeatureVector, CadDocument?, out string?)"/> for the values
    /// as stored, which need not fit the declared version: an earlier-layout v5 vector the planner
    /// let through is padded to today's layout (exact for its format, <see cref="EarlierLayouts"/>).
    /// </summary>
    public static FeatureVector? Apply(MigrationPlanItem item, IReadOnlyList<double> values, CadDocument? document, out string? error)
    {
        if (EarlierLayouts.IsEarlier(item.From, values.Count))
        {
            // The planner allowed the pad only for a format whose new slots are 0 by definition.
            var padded = item.Method == MigrationMethod.Pad ? EarlierLayouts.Padded(item.From, values) : null;
            error = padded is null ? item.Error ?? $"the earlier {item.From.Name()} layout cannot be padded exactly" : null;
            return padded;
        }

        if (!FeatureVector.TryCreate(item.From, values, out var current))
        {
            error = $"vector has {values.Count} values but {item.From.Name()} has {item.From.Dimension()}";
            return null;
        }

        return Apply(item, current!, document, out error);
    }

    /// <summary>How a planned item is reported in a run.</summary>
    public static MigrationOutcome OutcomeOf(MigrationPlanItem item, bool dryRun) => item.Status switch
    {
        MigrationItemStatus.ErrorPreview => MigrationOutcome.Error,
        MigrationItemStatus.Skipped => MigrationOutcome.Skipped,
        _ when dryRun => MigrationOutcome.DryRun,
        MigrationItemStatus.UpgradePreview => MigrationOutcome.Migrated,
        _ => MigrationOutcome.Downgraded,
    };
}
