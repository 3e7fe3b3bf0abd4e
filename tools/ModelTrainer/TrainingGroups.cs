using CadMl.Domain.Classification;

namespace CadMl.ModelTrainer;

/// <summary>
/// Where the training parts lie in the model's input space: one centroid and covariance for each
/// (class, format) group of the training split. A part's out-of-distribution distance is its
/// Mahalanobis distance to the nearest group, divided by √D so it reads as a root-mean-square in
/// standard deviations: d = min_g √((z − μ_g)ᵀ Σ_g⁻¹ (z − μ_g) / D), with z the standardised row the
/// network reads. The full covariance matters: the slots of a real part are correlated (faces and
/// surface types grow together), and a part outside the classes often has ordinary values in each
/// slot but an unusual combination. Groups are per format because a class drawn as DXF, meshed as STL
/// and modelled as STEP fills different slots; one centroid per class would sit near none of them.
/// </summary>
internal sealed class TrainingGroups
{
    /// <summary>
    /// Added to every variance (in squared standard deviations of the whole training set): a slot that
    /// is constant inside a group (an STL mesh has no solids) must not turn a tiny difference into an
    /// infinite distance, and the covariance must stay invertible.
    /// </summary>
    public const double Ridge = 0.01;

    public required IReadOnlyList<string> Names { get; init; }

    public required double[][] Centroids { get; init; }

    /// <summary>Per group the lower-triangular W = L⁻¹ of the Cholesky factor Σ = L Lᵀ, row-major D × D: ‖W (z − μ)‖² is the squared Mahalanobis distance.</summary>
    public required double[][] Whitening { get; init; }

    public static TrainingGroups Fit(FeedForwardClassifier model, IReadOnlyList<Sample> train)
    {
        var groups = train.GroupBy(s => $"{s.Label}/{s.Format}").OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var centroids = new List<double[]>();
        var whitening = new List<double[]>();
        foreach (var group in groups)
        {
            var rows = group.Select(s => model.Standardise(s.Features)).ToList();
            var d = rows[0].Length;
            var mean = new double[d];
            for (var j = 0; j < d; j++)
            {
                mean[j] = rows.Average(r => r[j]);
            }

            var covariance = new double[d * d];
            foreach (var row in rows)
            {
                for (var a = 0; a < d; a++)
                {
                    for (var b = 0; b <= a; b++)
                    {
                        covariance[(a * d) + b] += (row[a] - mean[a]) * (row[b] - mean[b]) / rows.Count;
                    }
                }
            }

            for (var a = 0; a < d; a++)
            {
                covariance[(a * d) + a] += Ridge;
            }

            centroids.Add(mean);
            whitening.Add(InverseCholesky(covariance, d));
        }

        return new TrainingGroups { Names = [.. groups.Select(g => g.Key)], Centroids = [.. centroids], Whitening = [.. whitening] };
    }

    public double Distance(double[] z)
    {
        var d = z.Length;
        var best = double.PositiveInfinity;
        var offset = new double[d];
        for (var g = 0; g < Centroids.Length; g++)
        {
            for (var j = 0; j < d; j++)
            {
                offset[j] = z[j] - Centroids[g][j];
            }

            var sum = 0.0;
            for (var a = 0; a < d; a++)
            {
                var t = 0.0;
                for (var b = 0; b <= a; b++)
                {
                    t += Whitening[g][(a * d) + b] * offset[b];
                }

                sum += t * t;
            }

            best = Math.Min(best, sum / d);
        }

        return Math.Sqrt(best);
    }

    /// <summary>L⁻¹ for the Cholesky factor L of a symmetric positive definite matrix given by its lower triangle.</summary>
    private static double[] InverseCholesky(double[] matrix, int d)
    {
        var l = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = matrix[(i * d) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * d) + k] * l[(j * d) + k];
                }

                l[(i * d) + j] = i == j ? Math.Sqrt(sum) : sum / l[(j * d) + j];
            }
        }

        // Forward substitution, column by column: L · W = I.
        var w = new double[d * d];
        for (var c = 0; c < d; c++)
        {
            for (var i = c; i < d; i++)
            {
                var sum = i == c ? 1.0 : 0.0;
                for (var k = c; k < i; k++)
                {
                    sum -= l[(i * d) + k] * w[(k * d) + c];
                }

                w[(i * d) + c] = sum / l[(i * d) + i];
            }
        }

        return w;
    }
}

/// <summary>What the model says about one part: calibrated probabilities, top class, distance, and the policy's verdict.</summary>
internal sealed record Judgement(string Top, double Confidence, double Distance, AbstentionReason? Reason)
{
    public string Label => Reason is null ? Top : AbstentionPolicy.UnknownLabel;
}

/// <summary>The trained network with its temperature, training groups and thresholds, judging parts the way the service does.</summary>
internal sealed class CalibratedClassifier(FeedForwardClassifier model, IReadOnlyList<string> classes, double temperature, TrainingGroups groups, AbstentionPolicy policy)
{
    public FeedForwardClassifier Model => model;

    public double Temperature => temperature;

    public TrainingGroups Groups => groups;

    public AbstentionPolicy Policy => policy;

    public Judgement Judge(double[] features, double? temperatureOverride = null)
    {
        var p = ConfidenceCalibration.Softmax(model.Logits(features), temperatureOverride ?? temperature);
        var best = Array.IndexOf(p, p.Max());
        var distance = groups.Distance(model.Standardise(features));
        return new Judgement(classes[best], p[best], distance, policy.Decide(p[best], distance));
    }
}

/// <summary>
/// The abstention thresholds, fitted on the calibration split (parts the network did not train on):
/// the distance threshold is a high quantile of the in-distribution distances, so by construction about
/// 1 − q of familiar parts are called unfamiliar; the confidence threshold is the lowest one at which the
/// parts still answered are right at least as often as <paramref name="SelectiveAccuracy"/>, never
/// abstaining on more than <paramref name="MaxLowConfidenceShare"/> of the split for low confidence.
/// </summary>
internal sealed record AbstentionFit(double DistanceQuantile, double SelectiveAccuracy, double MaxLowConfidenceShare)
{
    public AbstentionPolicy Fit(IReadOnlyList<(double Confidence, double Distance, bool Correct)> calibration)
    {
        var distances = calibration.Select(c => c.Distance).Order().ToList();
        var maxDistance = Quantile(distances, DistanceQuantile);
        var familiar = calibration.Where(c => c.Distance <= maxDistance).OrderBy(c => c.Confidence).ToList();
        var minConfidence = 0.0;
        var budget = (int)Math.Floor(MaxLowConfidenceShare * calibration.Count);
        var correct = familiar.Count(c => c.Correct);
        for (var dropped = 0; dropped <= Math.Min(budget, familiar.Count - 1); dropped++)
        {
            if (correct >= SelectiveAccuracy * (familiar.Count - dropped))
            {
                break;
            }

            // Abstaining below the next part's confidence drops this one (ties move together in later steps).
            correct -= familiar[dropped].Correct ? 1 : 0;
            minConfidence = familiar[dropped + 1].Confidence;
        }

        return new AbstentionPolicy(Math.Max(maxDistance, 1e-6), Math.Min(minConfidence, 0.999));
    }

    private static double Quantile(List<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + ((position - low) * (sorted[high] - sorted[low]));
    }
}
