using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using Google.Protobuf;
using Onnx;

namespace CadMl.ModelTrainer;

/// <summary>
/// The trained classifier as a self-contained ONNX model of standard <c>ai.onnx</c> operators
/// only (<see cref="Operators"/>), all on the service's allowlist:
/// input <c>features</c> float[N, D], outputs <c>label</c> string[N], <c>probabilities</c> float[N, C]
/// (softmax of the logits divided by the fitted temperature) and <c>ood_distance</c> float[N] (the
/// distance to the nearest training group, <see cref="TrainingGroups"/>), metadata naming the classes,
/// the model version, the feature version and the abstention thresholds. The thresholds live in the
/// same file as the graph that computes what they judge, so a model never meets another's thresholds.
/// </summary>
internal static class OnnxExport
{
    /// <summary>The operators the graph of a model uses, for the model card.</summary>
    public static string Operators(FeedForwardClassifier model) =>
        (model.LogInput ? "Max, Add, Log, " : "")
        + (model.Layers.Count > 1 ? "Sub, Div, MatMul, Add, Relu, Softmax, ArgMax, Gather" : "Sub, Div, MatMul, Add, Softmax, ArgMax, Gather")
        + ", Unsqueeze, Mul, ReduceMean, ReduceMin, Sqrt";

    public static byte[] ToOnnx(CalibratedClassifier calibrated, IReadOnlyList<string> classes, string modelVersion, FeatureVersion featureVersion, IReadOnlyDictionary<string, string> facts)
    {
        var model = calibrated.Model;
        var d = model.Features;
        var c = classes.Count;
        var graph = new GraphProto { Name = "cadml_part_classifier" };
        graph.Input.Add(Value(ModelContract.InputName, TensorProto.Types.DataType.Float, d));
        graph.Output.Add(Value(ModelContract.LabelOutput, TensorProto.Types.DataType.String));
        graph.Output.Add(Value(ModelContract.ProbabilitiesOutput, TensorProto.Types.DataType.Float, c));
        graph.Output.Add(Value(ModelContract.DistanceOutput, TensorProto.Types.DataType.Float));

        if (model.LogInput)
        {
            graph.Initializer.Add(Floats("zero", [0f], 1));
            graph.Initializer.Add(Floats("one", [1f], 1));
        }

        graph.Initializer.Add(Floats("mean", [.. model.Mean.Select(v => (float)v)], d));
        graph.Initializer.Add(Floats("scale", [.. model.Scale.Select(v => (float)v)], d));
        var names = new TensorProto { Name = "class_names", DataType = (int)TensorProto.Types.DataType.String };
        names.Dims.Add(c);
        names.StringData.AddRange(classes.Select(ByteString.CopyFromUtf8));
        graph.Initializer.Add(names);

        var scaled = "features";
        if (model.LogInput)
        {
            graph.Node.Add(Node("Max", ["features", "zero"], ["nonnegative"]));
            graph.Node.Add(Node("Add", ["nonnegative", "one"], ["shifted"]));
            graph.Node.Add(Node("Log", ["shifted"], ["logged"]));
            scaled = "logged";
        }

        graph.Node.Add(Node("Sub", [scaled, "mean"], ["centred"]));
        graph.Initializer.Add(Floats("slot_mask", [.. model.Mask.Select(v => (float)v)], d));
        graph.Node.Add(Node("Div", ["centred", "scale"], ["unmasked"]));
        graph.Node.Add(Node("Mul", ["unmasked", "slot_mask"], ["standardised"]));
        var input = "standardised";
        for (var l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            var last = l + 1 == model.Layers.Count;
            var (weights, bias) = (last ? "weights" : $"weights_{l}", last ? "bias" : $"bias_{l}");
            graph.Initializer.Add(Floats(weights, [.. layer.Weights.Select(v => (float)v)], layer.Inputs, layer.Outputs));
            graph.Initializer.Add(Floats(bias, [.. layer.Bias.Select(v => (float)v)], layer.Outputs));
            var (weighted, output) = last ? ("weighted", "logits") : ($"weighted_{l}", $"affine_{l}");
            graph.Node.Add(Node("MatMul", [input, weights], [weighted]));
            graph.Node.Add(Node("Add", [weighted, bias], [output]));
            if (!last)
            {
                graph.Node.Add(Node("Relu", [output], [$"hidden_{l}"]));
                output = $"hidden_{l}";
            }

            input = output;
        }

        graph.Initializer.Add(Floats("temperature", [(float)calibrated.Temperature], 1));
        graph.Node.Add(Node("Div", ["logits", "temperature"], ["tempered"]));
        graph.Node.Add(Node("Softmax", ["tempered"], ["probabilities"], Int("axis", 1)));

        // [N, 1, D] − [G, D] broadcasts to [N, G, D]: every part against every training group at once;
        // then each offset, as a row [1, D], times its group's Wᵀ [D, D] gives the whitened offset.
        var groups = calibrated.Groups;
        var g = groups.Centroids.Length;
        graph.Initializer.Add(Floats("group_centroids", [.. groups.Centroids.SelectMany(r => r).Select(v => (float)v)], g, d));
        graph.Initializer.Add(Floats("group_whitening_t", [.. groups.Whitening.SelectMany(w => Transposed(w, d)).Select(v => (float)v)], g, d, d));
        graph.Initializer.Add(Longs("axis_1", 1));
        graph.Initializer.Add(Longs("axis_2", 2));
        graph.Node.Add(Node("Unsqueeze", ["standardised", "axis_1"], ["per_group"]));
        graph.Node.Add(Node("Sub", ["per_group", "group_centroids"], ["group_offsets"]));
        graph.Node.Add(Node("Unsqueeze", ["group_offsets", "axis_2"], ["group_offset_rows"]));
        graph.Node.Add(Node("MatMul", ["group_offset_rows", "group_whitening_t"], ["group_z"]));
        graph.Node.Add(Node("Mul", ["group_z", "group_z"], ["group_squares"]));
        graph.Node.Add(Node("ReduceMean", ["group_squares"], ["group_mean_squares"], Ints("axes", 2, 3), Int("keepdims", 0)));
        graph.Node.Add(Node("ReduceMin", ["group_mean_squares"], ["nearest_mean_square"], Ints("axes", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Sqrt", ["nearest_mean_square"], [ModelContract.DistanceOutput]));
        graph.Node.Add(Node("ArgMax", ["probabilities"], ["class_index"], Int("axis", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Gather", ["class_names", "class_index"], ["label"], Int("axis", 0)));

        var onnx = new ModelProto { IrVersion = 8, ProducerName = "cadml-model-trainer", ProducerVersion = "1", Graph = graph, DocString = "CadMl part classifier" };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Meta(onnx, ModelContract.ClassesKey, string.Join(",", classes));
        Meta(onnx, ModelContract.ModelVersionKey, modelVersion);
        Meta(onnx, ModelContract.FeatureVersionKey, featureVersion.Name());
        Meta(onnx, ModelContract.MaxDistanceKey, calibrated.Policy.MaxDistance.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Meta(onnx, ModelContract.MinConfidenceKey, calibrated.Policy.MinConfidence.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Meta(onnx, "calibration_temperature", calibrated.Temperature.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Meta(onnx, "training_groups", string.Join(",", groups.Names));
        foreach (var (key, value) in facts)
        {
            Meta(onnx, key, value);
        }

        return onnx.ToByteArray();
    }

    private static void Meta(ModelProto model, string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static IEnumerable<double> Transposed(double[] matrix, int d)
    {
        for (var column = 0; column < d; column++)
        {
            for (var row = 0; row < d; row++)
            {
                yield return matrix[(row * d) + column];
            }
        }
    }

    private static TensorProto Longs(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    /// <summary>[N] or [N, width] with a symbolic batch dimension.</summary>
    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, int? width = null)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        if (width is { } w)
        {
            tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = w });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
