using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using Google.Protobuf;
using Onnx;

namespace CadMl.ModelTrainer;

/// <summary>
/// The trained classifier as a self-contained ONNX model of standard <c>ai.onnx</c> operators
/// only (Max, Add, Log, Sub, Div, MatMul, Softmax, ArgMax, Gather), all on the service's allowlist:
/// input <c>features</c> float[N, D], outputs <c>label</c> string[N] and <c>probabilities</c> float[N, C],
/// metadata naming the classes, the model version and the feature version.
/// </summary>
internal static class OnnxExport
{
    public static byte[] ToOnnx(SoftmaxRegression model, IReadOnlyList<string> classes, string modelVersion, FeatureVersion featureVersion, IReadOnlyDictionary<string, string> facts)
    {
        var d = model.Features;
        var c = classes.Count;
        var graph = new GraphProto { Name = "cadml_part_classifier" };
        graph.Input.Add(Value(ModelContract.InputName, TensorProto.Types.DataType.Float, d));
        graph.Output.Add(Value(ModelContract.LabelOutput, TensorProto.Types.DataType.String));
        graph.Output.Add(Value(ModelContract.ProbabilitiesOutput, TensorProto.Types.DataType.Float, c));

        graph.Initializer.Add(Floats("zero", [0f], 1));
        graph.Initializer.Add(Floats("one", [1f], 1));
        graph.Initializer.Add(Floats("mean", [.. model.Mean.Select(v => (float)v)], d));
        graph.Initializer.Add(Floats("scale", [.. model.Scale.Select(v => (float)v)], d));
        graph.Initializer.Add(Floats("weights", [.. model.Weights.Select(v => (float)v)], d, c));
        graph.Initializer.Add(Floats("bias", [.. model.Bias.Select(v => (float)v)], c));
        var names = new TensorProto { Name = "class_names", DataType = (int)TensorProto.Types.DataType.String };
        names.Dims.Add(c);
        names.StringData.AddRange(classes.Select(ByteString.CopyFromUtf8));
        graph.Initializer.Add(names);

        graph.Node.Add(Node("Max", ["features", "zero"], ["nonnegative"]));
        graph.Node.Add(Node("Add", ["nonnegative", "one"], ["shifted"]));
        graph.Node.Add(Node("Log", ["shifted"], ["logged"]));
        graph.Node.Add(Node("Sub", ["logged", "mean"], ["centred"]));
        graph.Node.Add(Node("Div", ["centred", "scale"], ["standardised"]));
        graph.Node.Add(Node("MatMul", ["standardised", "weights"], ["weighted"]));
        graph.Node.Add(Node("Add", ["weighted", "bias"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], ["probabilities"], Int("axis", 1)));
        graph.Node.Add(Node("ArgMax", ["probabilities"], ["class_index"], Int("axis", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Gather", ["class_names", "class_index"], ["label"], Int("axis", 0)));

        var onnx = new ModelProto { IrVersion = 8, ProducerName = "cadml-model-trainer", ProducerVersion = "1", Graph = graph, DocString = "CadMl part classifier" };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Meta(onnx, ModelContract.ClassesKey, string.Join(",", classes));
        Meta(onnx, ModelContract.ModelVersionKey, modelVersion);
        Meta(onnx, ModelContract.FeatureVersionKey, featureVersion.Name());
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
