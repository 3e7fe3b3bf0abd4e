namespace CadMl.Domain.Classification;

/// <summary>
/// How far a classifier's confidence is from its accuracy, and the one-parameter fix for it.
/// Temperature scaling (Guo et al., 2017) divides the logits by T before the softmax: it changes
/// how sure the model is, never which class wins, so accuracy is untouched.
/// </summary>
public static class ConfidenceCalibration
{
    public const int DefaultBins = 15;

    /// <summary>
    /// Expected calibration error: the parts are put in <paramref name="bins"/> equal-width bins by
    /// confidence ((0, 1/B], …, ((B−1)/B, 1]); ECE = Σ (n_b / n) · |accuracy_b − mean confidence_b|.
    /// 0 for an empty set.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> confidences, IReadOnlyList<bool> correct, int bins = DefaultBins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (confidences.Count != correct.Count)
        {
            throw new ArgumentException("one correctness flag per confidence", nameof(correct));
        }

        var count = new int[bins];
        var hits = new int[bins];
        var sum = new double[bins];
        for (var i = 0; i < confidences.Count; i++)
        {
            var c = Math.Clamp(confidences[i], 0, 1);
            var bin = Math.Clamp((int)Math.Ceiling(c * bins) - 1, 0, bins - 1);
            count[bin]++;
            sum[bin] += c;
            hits[bin] += correct[i] ? 1 : 0;
        }

        var ece = 0.0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                ece += Math.Abs((hits[b] / (double)count[b]) - (sum[b] / count[b])) * count[b] / confidences.Count;
            }
        }

        return ece;
    }

    /// <summary>Softmax of <paramref name="logits"/> / <paramref name="temperature"/>, stable for large logits.</summary>
    public static double[] Softmax(IReadOnlyList<double> logits, double temperature = 1)
    {
        var max = logits.Max();
        var p = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        var total = p.Sum();
        for (var i = 0; i < p.Length; i++)
        {
            p[i] /= total;
        }

        return p;
    }

    /// <summary>Mean negative log-likelihood of the true classes at <paramref name="temperature"/>.</summary>
    public static double NegativeLogLikelihood(IReadOnlyList<double[]> logits, IReadOnlyList<int> labels, double temperature)
    {
        var total = 0.0;
        for (var i = 0; i < logits.Count; i++)
        {
            var max = logits[i].Max();
            var sum = logits[i].Sum(l => Math.Exp((l - max) / temperature));
            total += Math.Log(sum) - ((logits[i][labels[i]] - max) / temperature);
        }

        return total / logits.Count;
    }

    /// <summary>
    /// The temperature that minimises the held-out negative log-likelihood, searched on ln T in
    /// [ln 0.05, ln 50] by golden-section search (the NLL is unimodal in T for fixed logits).
    /// </summary>
    public static double FitTemperature(IReadOnlyList<double[]> logits, IReadOnlyList<int> labels)
    {
        if (logits.Count == 0 || logits.Count != labels.Count)
        {
            throw new ArgumentException("need one label per row of logits, at least one row", nameof(labels));
        }

        var (a, b) = (Math.Log(0.05), Math.Log(50));
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var x1 = b - (ratio * (b - a));
        var x2 = a + (ratio * (b - a));
        var f1 = NegativeLogLikelihood(logits, labels, Math.Exp(x1));
        var f2 = NegativeLogLikelihood(logits, labels, Math.Exp(x2));
        for (var i = 0; i < 80; i++)
        {
            if (f1 <= f2)
            {
                (b, x2, f2) = (x2, x1, f1);
                x1 = b - (ratio * (b - a));
                f1 = NegativeLogLikelihood(logits, labels, Math.Exp(x1));
            }
            else
            {
                (a, x1, f1) = (x1, x2, f2);
                x2 = a + (ratio * (b - a));
                f2 = NegativeLogLikelihood(logits, labels, Math.Exp(x2));
            }
        }

        return Math.Exp((a + b) / 2);
    }
}
