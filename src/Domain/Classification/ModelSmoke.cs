using CadMl.Domain.Features;

namespace CadMl.Domain.Classification;

/// <summary>
/// The smoke test a candidate model must pass before it serves: fixed vectors (an empty document,
/// the golden documents of the feature contract, a large part) must give labels from the declared
/// class set, finite probabilities that form a distribution agreeing with the label, and one finite,
/// non-negative out-of-distribution distance per input (a NaN distance would make every part unknown,
/// a negative one would mean the graph does not compute a distance at all).
/// </summary>
public static class ModelSmoke
{
    /// <summary>Probability rows must sum to 1 within this; softmax in float32 is far tighter.</summary>
    public const double SumTolerance = 1e-3;

    private static readonly double[][] V4Vectors =
    [
        new double[24],
        [5, 10, 5, 2, 100, 2, 0, 1, 0.5, 0.2, 2, 5, 1, 3, 20, 0.2, 0.6, 0.4, 0.2, 0.2, 0.2, 0, 1, 0.9874687506009635],
        [12, 2, 2, 2, 8, 0, 0, 1, 1, 1, 1, 1, 0, 12, 0.6666666666666666, 0, 1, 1, 0, 0, 0, 0, 12, 0],
        [1, 4, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        [20000, 400, 250, 120, 12000000, 3, 1, 1, 0.625, 0.3, 1.6, 3.333, 1, 19000, 600, 0.00005, 0.95, 0.95, 0.05, 0, 0, 0, 600, 0.21],
    ];

    /// <summary>The fixed smoke inputs for <paramref name="version"/>: the v4 vectors truncated, or padded with 0, to its dimension.</summary>
    public static float[][] Vectors(FeatureVersion version) =>
        [.. V4Vectors.Select(v => v.Concat(Enumerable.Repeat(0.0, Math.Max(0, version.Dimension() - v.Length))).Take(version.Dimension()).Select(x => (float)x).ToArray())];

    /// <summary>Null when the outputs for <paramref name="rows"/> inputs are acceptable, else why not.</summary>
    public static string? Check(ClassifierContract contract, int rows, IReadOnlyList<string> labels, IReadOnlyList<float> probabilities, IReadOnlyList<float> distances)
    {
        var classes = contract.Classes;
        if (labels.Count != rows)
        {
            return $"the model returned {labels.Count} labels for {rows} inputs.";
        }

        if (distances.Count != rows)
        {
            return $"the model returned {distances.Count} values of '{ModelContract.DistanceOutput}' for {rows} inputs.";
        }

        for (var row = 0; row < rows; row++)
        {
            if (!float.IsFinite(distances[row]) || distances[row] < 0)
            {
                return $"input {row} has '{ModelContract.DistanceOutput}' {distances[row]}; it must be a finite number of at least 0.";
            }
        }

        if (probabilities.Count != rows * classes.Count)
        {
            return $"the model returned {probabilities.Count} probabilities for {rows} inputs and {classes.Count} classes.";
        }

        for (var row = 0; row < rows; row++)
        {
            if (!classes.Contains(labels[row]))
            {
                return $"input {row} was labelled '{Clip(labels[row])}', which is not a declared class.";
            }

            double sum = 0;
            var best = 0;
            for (var c = 0; c < classes.Count; c++)
            {
                var p = probabilities[(row * classes.Count) + c];
                if (!float.IsFinite(p) || p < -SumTolerance || p > 1 + SumTolerance)
                {
                    return $"input {row} has probability {p} for class '{classes[c]}'; probabilities must be finite and within [0, 1].";
                }

                sum += p;
                if (p > probabilities[(row * classes.Count) + best])
                {
                    best = c;
                }
            }

            if (Math.Abs(sum - 1) > SumTolerance)
            {
                return $"the probabilities of input {row} sum to {sum:G6}, not 1.";
            }

            if (probabilities[(row * classes.Count) + IndexOf(classes, labels[row])] < probabilities[(row * classes.Count) + best])
            {
                return $"input {row} was labelled '{labels[row]}' but '{classes[best]}' has the highest probability.";
            }
        }

        return null;
    }

    private static int IndexOf(IReadOnlyList<string> items, string item)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] == item)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
