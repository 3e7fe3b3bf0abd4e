namespace CadMl.ModelTrainer;

/// <summary>A dense layer: y = xW + b, W row-major [inputs, outputs].</summary>
internal sealed record DenseLayer(int Inputs, int Outputs, double[] Weights, double[] Bias);

/// <summary>
/// A feed-forward classifier on standardised log features: z = (ln(1 + max(x, 0)) − μ) / σ, then
/// dense layers with ReLU between them and softmax at the end. No hidden layer is multinomial
/// logistic regression; one hidden layer lets the model combine slots per format (an STL mesh and
/// a STEP solid of the same part fill different slots) and order the extents of parts that lie in
/// any orientation. The log tames counts and volumes that span six orders of magnitude; the
/// exported ONNX graph repeats exactly these steps.
/// </summary>
internal sealed class FeedForwardClassifier
{
    /// <summary>
    /// Whether rows go through ln(1 + max(x, 0)) first: v1..v4 slots are raw counts and extents over
    /// orders of magnitude; v5 slots are already standardised by the version itself (and may be negative).
    /// </summary>
    public required bool LogInput { get; init; }

    /// <summary>1 for a slot the network reads, 0 for one it ignores (multiplied into z, so the slot cannot move any output).</summary>
    public required double[] Mask { get; init; }

    public required double[] Mean { get; init; }

    public required double[] Scale { get; init; }

    public required IReadOnlyList<DenseLayer> Layers { get; init; }

    public int Features => Mean.Length;

    public int Classes => Layers[^1].Outputs;

    /// <summary>What the model is, for the model card.</summary>
    public string Describe(TrainingOptions options) =>
        (LogInput ? "z = (ln(1 + max(x, 0)) − μ) / σ" : "z = (x − μ) / σ") + " per slot, then "
        + (Layers.Count == 1
            ? "multinomial logistic regression (softmax)"
            : $"an MLP {string.Join(" → ", Layers.Select(l => l.Inputs).Append(Classes))} with ReLU and softmax")
        + $"; Adam, mini-batches of {options.BatchSize}, {options.Epochs} epochs, learning rate {options.LearningRate}, L2 {options.L2}, initialised from the seed";

    public static FeedForwardClassifier Train(
        IReadOnlyList<double[]> rows, IReadOnlyList<int> labels, int classes, TrainingOptions options, int seed, bool logInput = true, IReadOnlySet<int>? ignored = null)
    {
        var d = rows[0].Length;
        double[] mask = [.. Enumerable.Range(0, d).Select(j => ignored?.Contains(j) == true ? 0.0 : 1.0)];
        var logs = rows.Select(r => logInput ? r.Select(Log).ToArray() : r).ToList();
        var mean = new double[d];
        var scale = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = logs.Average(r => r[j]);
            var sd = Math.Sqrt(logs.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            scale[j] = sd > 1e-9 ? sd : 1;
        }

        var z = logs.Select(r => r.Select((v, j) => mask[j] * (v - mean[j]) / scale[j]).ToArray()).ToArray();
        var random = new Random(seed);
        var widths = new List<int> { d };
        widths.AddRange(options.Hidden);
        widths.Add(classes);
        var layers = new List<DenseLayer>();
        for (var l = 0; l + 1 < widths.Count; l++)
        {
            // He initialisation for layers feeding a ReLU; the output layer of a linear model starts at zero.
            var (inputs, outputs) = (widths[l], widths[l + 1]);
            var spread = widths.Count == 2 ? 0 : Math.Sqrt(2.0 / inputs);
            var weights = new double[inputs * outputs];
            for (var k = 0; k < weights.Length; k++)
            {
                weights[k] = spread * Gaussian(random);
            }

            layers.Add(new DenseLayer(inputs, outputs, weights, new double[outputs]));
        }

        var model = new FeedForwardClassifier { LogInput = logInput, Mask = mask, Mean = mean, Scale = scale, Layers = layers };
        new Trainer(model, options).Run(z, labels, random);
        return model;
    }

    public int Predict(double[] features)
    {
        var p = Probabilities(features);
        return Array.IndexOf(p, p.Max());
    }

    public double[] Probabilities(double[] features) => Forward(Standardise(features))[^1];

    /// <summary>The scores before the softmax, which temperature scaling divides.</summary>
    public double[] Logits(double[] features) => Forward(Standardise(features), softmax: false)[^1];

    /// <summary>The row as the first layer sees it, z = (ln(1 + max(x, 0)) − μ) / σ (without the log for v5): the space the out-of-distribution test measures in.</summary>
    public double[] Standardise(double[] features) => [.. features.Select((x, j) => Mask[j] * ((LogInput ? Log(x) : x) - Mean[j]) / Scale[j])];

    /// <summary>The activations of every layer for one standardised row; the last is the softmax (or the logits).</summary>
    internal double[][] Forward(double[] z, bool softmax = true)
    {
        var activations = new double[Layers.Count + 1][];
        activations[0] = z;
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            var input = activations[l];
            var output = (double[])layer.Bias.Clone();
            for (var i = 0; i < layer.Inputs; i++)
            {
                var x = input[i];
                if (x == 0)
                {
                    continue;
                }

                var row = i * layer.Outputs;
                for (var o = 0; o < layer.Outputs; o++)
                {
                    output[o] += x * layer.Weights[row + o];
                }
            }

            if (l + 1 < Layers.Count)
            {
                for (var o = 0; o < output.Length; o++)
                {
                    output[o] = Math.Max(output[o], 0);
                }
            }
            else if (softmax)
            {
                var max = output.Max();
                var sum = 0.0;
                for (var o = 0; o < output.Length; o++)
                {
                    output[o] = Math.Exp(output[o] - max);
                    sum += output[o];
                }

                for (var o = 0; o < output.Length; o++)
                {
                    output[o] /= sum;
                }
            }

            activations[l + 1] = output;
        }

        return activations;
    }

    private static double Log(double x) => Math.Log(1 + Math.Max(x, 0));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Adam on the mean cross-entropy of shuffled mini-batches, single-threaded so the same seed gives the same bits.</summary>
    private sealed class Trainer(FeedForwardClassifier model, TrainingOptions options)
    {
        private const double Beta1 = 0.9, Beta2 = 0.999;
        private readonly IReadOnlyList<DenseLayer> _layers = model.Layers;
        private readonly double[][] _weightGradients = [.. model.Layers.Select(l => new double[l.Weights.Length])];
        private readonly double[][] _biasGradients = [.. model.Layers.Select(l => new double[l.Bias.Length])];
        private readonly double[][] _m = [.. model.Layers.SelectMany(l => new[] { new double[l.Weights.Length], new double[l.Bias.Length] })];
        private readonly double[][] _v = [.. model.Layers.SelectMany(l => new[] { new double[l.Weights.Length], new double[l.Bias.Length] })];
        private int _step;

        public void Run(double[][] z, IReadOnlyList<int> labels, Random random)
        {
            var order = Enumerable.Range(0, z.Length).ToArray();
            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                random.Shuffle(order);
                for (var start = 0; start < order.Length; start += options.BatchSize)
                {
                    var batch = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start));
                    Gradients(z, labels, batch);
                    Update();
                }
            }
        }

        private void Gradients(double[][] z, IReadOnlyList<int> labels, ReadOnlySpan<int> batch)
        {
            foreach (var g in _weightGradients.Concat(_biasGradients))
            {
                Array.Clear(g);
            }

            foreach (var index in batch)
            {
                var activations = model.Forward(z[index]);
                var delta = (double[])activations[^1].Clone();
                delta[labels[index]] -= 1;
                for (var l = _layers.Count - 1; l >= 0; l--)
                {
                    var layer = _layers[l];
                    var input = activations[l];
                    for (var o = 0; o < layer.Outputs; o++)
                    {
                        _biasGradients[l][o] += delta[o] / batch.Length;
                    }

                    var previous = l > 0 ? new double[layer.Inputs] : null;
                    for (var i = 0; i < layer.Inputs; i++)
                    {
                        var row = i * layer.Outputs;
                        var x = input[i] / batch.Length;
                        var back = 0.0;
                        for (var o = 0; o < layer.Outputs; o++)
                        {
                            _weightGradients[l][row + o] += x * delta[o];
                            back += layer.Weights[row + o] * delta[o];
                        }

                        if (previous is not null)
                        {
                            // ReLU passes the gradient only where it was active.
                            previous[i] = input[i] > 0 ? back : 0;
                        }
                    }

                    delta = previous ?? delta;
                }
            }
        }

        private void Update()
        {
            _step++;
            var correction1 = 1 - Math.Pow(Beta1, _step);
            var correction2 = 1 - Math.Pow(Beta2, _step);
            for (var l = 0; l < _layers.Count; l++)
            {
                Adam(_layers[l].Weights, _weightGradients[l], _m[2 * l], _v[2 * l], options.L2, correction1, correction2);
                Adam(_layers[l].Bias, _biasGradients[l], _m[(2 * l) + 1], _v[(2 * l) + 1], 0, correction1, correction2);
            }
        }

        private void Adam(double[] parameters, double[] gradient, double[] m, double[] v, double l2, double correction1, double correction2)
        {
            for (var k = 0; k < parameters.Length; k++)
            {
                var g = gradient[k] + (l2 * parameters[k]);
                m[k] = (Beta1 * m[k]) + ((1 - Beta1) * g);
                v[k] = (Beta2 * v[k]) + ((1 - Beta2) * g * g);
                parameters[k] -= options.LearningRate * (m[k] / correction1) / (Math.Sqrt(v[k] / correction2) + 1e-8);
            }
        }
    }
}

/// <summary>The shape of the network and how long and how hard it trains.</summary>
internal sealed record TrainingOptions(int[] Hidden, int Epochs, int BatchSize, double LearningRate, double L2);
