using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Domain.Migration;

/// <summary>How a vector reaches the target version.</summary>
public enum MigrationMethod
{
    /// <summary>Extracted again from the stored document: equal to a fresh extraction, bit for bit.</summary>
    Recompute,

    /// <summary>
    /// The new slots are filled with 0.0: v1..v4 without a document, and an earlier-layout v5
    /// vector of a format whose new slots are 0 by definition (exact, <see cref="EarlierLayouts"/>).
    /// </summary>
    Pad,

    /// <summary>No document: the slots the target does not have are dropped.</summary>
    Truncate,
}

public enum MigrationItemStatus
{
    UpgradePreview,
    DowngradePreview,
    Skipped,
    ErrorPreview,
}

/// <summary>
/// A stored vector as migration sees it: its declared version, its actual length, whether its
/// document is kept and whether that document carries the shape digest v5 is computed from
/// (documents stored before v5 do not), and the format of the file behind it when a stored document says.
/// </summary>
public sealed record MigrationCandidate(string Id, FeatureVersion DeclaredVersion, int Length, bool HasDocument, bool HasShapeFacts = true, CadFormat? Format = null);

public sealed record MigrationPlanItem(
    string Id,
    MigrationItemStatus Status,
    FeatureVersion From,
    FeatureVersion To,
    int DimensionBefore,
    int DimensionAfter,
    MigrationMethod? Method,
    string? Error)
{
    public int Delta => DimensionAfter - DimensionBefore;
}

/// <summary>What a preview tells an operator before migrating.</summary>
public sealed record MigrationPreviewStats(
    int Positive,
    int Negative,
    int Zero,
    double? AvgDelta,
    double? MedianDelta,
    bool Feasible,
    IReadOnlyList<string> Warnings);

/// <summary>
/// Plans the move of stored vectors to a target version and summarises a sample of plans. Pure:
/// the same candidates always give the same preview.
/// </summary>
public static class MigrationPlanner
{
    public const string LosesDimensionsWarning = "more than 50% of sampled vectors would lose dimensions";
    public const string NegativeSkewWarning = "large_negative_skew";
    public const string GrowthSpikeWarning = "growth_spike";

    /// <summary>The item error of a vector that can reach (or leave) v5 only from its original file.</summary>
    public const string NeedsOriginalFileError = "cannot be recomputed without the original file";

    public static MigrationPlanItem Plan(MigrationCandidate candidate, FeatureVersion target)
    {
        var from = candidate.DeclaredVersion;
        if (EarlierLayouts.IsEarlier(from, candidate.Length))
        {
            return PlanEarlier(candidate, target);
        }

        if (candidate.Length != from.Dimension())
        {
            // A vector that does not match its declared layout is never guessed at.
            return new MigrationPlanItem(candidate.Id, MigrationItemStatus.ErrorPreview, from, target, candidate.Length, target.Dimension(), null,
                $"vector has {candidate.Length} values but {from.Name()} has {from.Dimension()}");
        }

        // v5 is not a prefix layout: padding or truncating into or out of it would invent values,
        // so only extraction from the stored document (with its shape digest, for v5) can do it.
        if (from != target && !FeatureVersions.ArePrefixCompatible(from, target)
            && !(candidate.HasDocument && (target != FeatureVersion.V5 || candidate.HasShapeFacts)))
        {
            var why = candidate.HasDocument
                ? "its stored document lacks what v5 is computed from: saved before v5, or a drawing saved before the stroke slots"
                : "no stored document reproduces it";
            return new MigrationPlanItem(candidate.Id, MigrationItemStatus.ErrorPreview, from, target, from.Dimension(), target.Dimension(), null,
                $"{NeedsOriginalFileError} ({why}); analyze the file again");
        }

        var status = target > from ? MigrationItemStatus.UpgradePreview
            : target < from ? MigrationItemStatus.DowngradePreview
            : MigrationItemStatus.Skipped;
        MigrationMethod? method = status switch
        {
            MigrationItemStatus.Skipped => null,
            _ when candidate.HasDocument => MigrationMethod.Recompute,
            MigrationItemStatus.UpgradePreview => MigrationMethod.Pad,
            _ => MigrationMethod.Truncate,
        };
        return new MigrationPlanItem(candidate.Id, status, from, target, from.Dimension(), target.Dimension(), method, null);
    }

    /// <summary>
    /// A v5 vector of the earlier 73-slot layout (<see cref="EarlierLayouts"/>): it reaches today's
    /// v5 by appending zeros when its file's format has no stroke slots (exact), and otherwise only
    /// from the original file. It goes nowhere else before it is at today's v5.
    /// </summary>
    private static MigrationPlanItem PlanEarlier(MigrationCandidate candidate, FeatureVersion target)
    {
        var from = candidate.DeclaredVersion;
        if (target != from)
        {
            return new MigrationPlanItem(candidate.Id, MigrationItemStatus.ErrorPreview, from, target, candidate.Length, target.Dimension(), null,
                $"vector has the earlier {candidate.Length}-slot {from.Name()} layout; migrate it to {from.Name()} first");
        }

        if (!EarlierLayouts.PadsExactly(candidate.Format))
        {
            var why = candidate.Format is null
                ? "an earlier 73-slot v5 vector without a stored document that names its format"
                : $"an earlier 73-slot v5 vector of a {candidate.Format.Value.Name()} file, whose stroke slots need the drawing's strokes, never stored";
            return new MigrationPlanItem(candidate.Id, MigrationItemStatus.ErrorPreview, from, target, candidate.Length, target.Dimension(), null,
                $"{NeedsOriginalFileError} ({why}); analyze the file again");
        }

        return new MigrationPlanItem(candidate.Id, MigrationItemStatus.UpgradePreview, from, target, candidate.Length, target.Dimension(), MigrationMethod.Pad, null);
    }

    /// <summary>
    /// A stored row that cannot be planned at all (its declared version is not one this service
    /// knows). <see cref="MigrationPlanItem.From"/> carries no meaning for it; callers report the
    /// raw declared value. Like every error item it counts in no statistic, only in the warnings.
    /// </summary>
    public static MigrationPlanItem Unreadable(string id, int length, FeatureVersion target, string reason) =>
        new(id, MigrationItemStatus.ErrorPreview, target, target, length, target.Dimension(), null, reason);

    /// <summary>
    /// Counts changes over every readable item (already-migrated ones count as zero), takes the mean
    /// and median over the deltas of the items that would change, and raises the warnings.
    /// </summary>
    public static MigrationPreviewStats Summarise(IReadOnlyList<MigrationPlanItem> items)
    {
        var readable = items.Where(i => i.Status != MigrationItemStatus.ErrorPreview).ToList();
        var changing = readable.Where(i => i.Status != MigrationItemStatus.Skipped).Select(i => (double)i.Delta).Order().ToList();
        int positive = readable.Count(i => i.Delta > 0), negative = readable.Count(i => i.Delta < 0), zero = readable.Count(i => i.Delta == 0);

        double? average = changing.Count == 0 ? null : changing.Average();
        double? median = changing.Count switch
        {
            0 => null,
            var n when n % 2 == 1 => changing[n / 2],
            var n => (changing[(n / 2) - 1] + changing[n / 2]) / 2,
        };

        var warnings = new List<string>();
        foreach (var failed in items.Where(i => i.Status == MigrationItemStatus.ErrorPreview))
        {
            warnings.Add($"{failed.Id}: {failed.Error}");
        }

        var needsFile = items.Count(i => i.Error?.StartsWith(NeedsOriginalFileError, StringComparison.Ordinal) == true);
        if (needsFile > 0)
        {
            warnings.Add($"{needsFile} record(s) {NeedsOriginalFileError}: analyze their files again to move them to v5");
        }

        var losesDimensions = items.Count > 0 && negative * 2 > items.Count;
        if (losesDimensions)
        {
            warnings.Add(LosesDimensionsWarning);
        }

        if (median < -5)
        {
            warnings.Add(NegativeSkewWarning);
        }

        if (average is { } avg && Math.Abs(avg) > 10)
        {
            warnings.Add(GrowthSpikeWarning);
        }

        var feasible = !losesDimensions && readable.Count == items.Count;
        return new MigrationPreviewStats(positive, negative, zero, average, median, feasible, warnings);
    }
}
