using System.Globalization;

namespace CadMl.Domain.Classification;

/// <summary>Why a classifier answered <c>unknown</c> instead of its top class.</summary>
public enum AbstentionReason
{
    /// <summary>The part lies farther from every training group than the model accepts: it is unlike what the model learnt.</summary>
    OutOfDistribution,

    /// <summary>The part looks familiar, but the calibrated probability of the top class is below the model's threshold.</summary>
    LowConfidence,
}

/// <summary>
/// When a model says <c>unknown</c>, with the thresholds it was shipped with (fitted by the trainer
/// on a calibration split it did not train on, and carried in the model's <c>metadata_props</c>, so a
/// reloaded model brings its own). The out-of-distribution test comes first: a confident answer about
/// a part unlike the training data is exactly the failure abstention exists to prevent.
/// </summary>
public sealed record AbstentionPolicy(double MaxDistance, double MinConfidence)
{
    public const string UnknownLabel = "unknown";

    /// <summary>The reason to abstain, or null when the top class stands.</summary>
    public AbstentionReason? Decide(double confidence, double distance)
    {
        // NaN compares false with everything: treat a distance that is not a number as unfamiliar.
        if (!(distance <= MaxDistance))
        {
            return AbstentionReason.OutOfDistribution;
        }

        return confidence < MinConfidence ? AbstentionReason.LowConfidence : null;
    }

    /// <summary>Reads the thresholds from model metadata; null with the problems when they are missing or out of range.</summary>
    public static AbstentionPolicy? Read(IReadOnlyDictionary<string, string> metadata, ICollection<string> problems)
    {
        var distance = Number(metadata, ModelContract.MaxDistanceKey);
        var confidence = Number(metadata, ModelContract.MinConfidenceKey);
        var valid = true;
        if (distance is not (> 0 and < double.PositiveInfinity))
        {
            problems.Add($"metadata '{ModelContract.MaxDistanceKey}' must be a finite number above 0 (the out-of-distribution threshold on '{ModelContract.DistanceOutput}').");
            valid = false;
        }

        if (confidence is not (>= 0 and < 1))
        {
            problems.Add($"metadata '{ModelContract.MinConfidenceKey}' must be a number in [0, 1) (the lowest calibrated confidence that is reported as a class).");
            valid = false;
        }

        return valid ? new AbstentionPolicy(distance!.Value, confidence!.Value) : null;
    }

    private static double? Number(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}

public static class AbstentionReasons
{
    public static string Name(this AbstentionReason reason) => reason switch
    {
        AbstentionReason.OutOfDistribution => "out_of_distribution",
        AbstentionReason.LowConfidence => "low_confidence",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
