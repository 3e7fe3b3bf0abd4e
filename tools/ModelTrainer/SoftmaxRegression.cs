namespace CadMl.ModelTrainer;

/// <summary>
/// Multinomial logistic regression on standardised log features: z = (ln(1 + max(x, 0)) − μ) / σ,
/// p = softmax(zW + b). The log tames counts and volumes that span six orders of magnitude; the
/// exported ONNX graph repeats exactly these steps.
/// </summary>
internal sealed class SoftmaxRegression
{
    public required double[] Mean { get; init; }

    public required double[] Scale { get; init; }

    /// <summary>Row-major [features, classes].</summary>
    public required double[] Weights { get; init; }

    public required double[] Bias { get; init; }

    public int Features => Mean.Length;

    public int Classes => Bias.Length;

    public static SoftmaxRegression Train(IReadOnlyList<double[]> rows, IReadOnlyList<int> labels, int classes, int epochs = 3000, double l2 = 1e-4)
    {
        var d = rows[0].Length;
        var logs = rows.Select(r => r.Select(Log).ToArray()).ToList();
        var mean = new double[d];
        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = logs.Average(r => r[j]);
            var sd = Math.Sqrt(logs.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            scale[j] = sd > 1e-9 ? sd : 1;
        }

        var z = logs.Select(r => r.Select((v, j) => (v - mean[j]) / scale[j]).ToArray()).ToList();
        var model = new SoftmaxRegression { Mean = mean, Scale = scale, Weights = new double[d * classes], Bias = new double[classes] };

        // Adam on the mean cross-entropy: a few thousand full-batch steps converge on a few thousand rows.
        var m = new double[model.Weights.Length + classes];
        var v = new double[m.Length];
        const double rate = 0.05, beta1 = 0.9, beta2 = 0.999;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            var gradient = new double[m.Length];
            for (var i = 0; i < z.Count; i++)
            {
                var p = model.ProbabilitiesOfStandardised(z[i]);
                for (var c = 0; c < classes; c++)
                {
                    var error = (p[c] - (labels[i] == c ? 1 : 0)) / z.Count;
                    for (var j = 0; j < d; j++)
                    {
                        gradient[(j * classes) + c] += error * z[i][j];
                    }

                    gradient[model.Weights.Length + c] += error;
                }
            }

            for (var k = 0; k < m.Length; k++)
            {
                var isWeight = k < model.Weights.Length;
                var g = gradient[k] + (isWeight ? l2 * model.Weights[k] : 0);
                m[k] = (beta1 * m[k]) + ((1 - beta1) * g);
                v[k] = (beta2 * v[k]) + ((1 - beta2) * g * g);
                var step = rate * (m[k] / (1 - Math.Pow(beta1, epoch))) / (Math.Sqrt(v[k] / (1 - Math.Pow(beta2, epoch))) + 1e-8);
                if (isWeight)
                {
                    model.Weights[k] -= step;
                }
                else
                {
                    model.Bias[k - model.Weights.Length] -= step;
                }
            }
        }

        return model;
    }

    public int Predict(double[] features)
    {
        var p = Probabilities(features);
        return Array.IndexOf(p, p.Max());
    }

    public double[] Probabilities(double[] features) =>
        ProbabilitiesOfStandardised([.. features.Select((x, j) => (Log(x) - Mean[j]) / Scale[j])]);

    private double[] ProbabilitiesOfStandardised(double[] z)
    {
        var logits = new double[Classes];
        for (var c = 0; c < Classes; c++)
        {
            logits[c] = Bias[c];
            for (var j = 0; j < Features; j++)
            {
                logits[c] += z[j] * Weights[(j * Classes) + c];
            }
        }

        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    private static double Log(double x) => Math.Log(1 + Math.Max(x, 0));
}
