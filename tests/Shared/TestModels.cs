using Google.Protobuf;
using Onnx;

namespace CadMl.Tests.Shared;

/// <summary>
/// ONNX models built in code for the tests: a small valid classifier (MatMul + Add + Softmax, then
/// ArgMax + Gather over the class names; <c>ood_distance</c> = the root mean square of the features
/// divided by <c>spread</c>) and the hostile or broken variants the reload must refuse.
/// </summary>
public static class TestModels
{
    public static readonly string[] DefaultClasses = ["plate", "shaft", "gear"];

    /// <summary>
    /// A classifier whose weights make <paramref name="favoured"/> win for the smoke vectors, with
    /// <paramref name="inputWidth"/> overriding the width its feature version implies. By default it
    /// never abstains (a huge distance threshold, no confidence threshold); the abstention metadata
    /// is written as given, and left out when null.
    /// </summary>
    public static ModelProto Classifier(
        string modelVersion = "test-1",
        string featureVersion = "v4",
        string[]? classes = null,
        int? inputWidth = null,
        int favoured = 0,
        bool nanWeights = false,
        string? maxDistance = "1e30",
        string? minConfidence = "0",
        float spread = 1,
        bool distanceOutput = true)
    {
        classes ??= DefaultClasses;
        var width = inputWidth ?? featureVersion switch { "v1" => 7, "v2" => 12, "v3" => 22, _ => 24 };
        var weights = new float[width * classes.Length];
        for (var i = 0; i < width; i++)
        {
            for (var c = 0; c < classes.Length; c++)
            {
                weights[(i * classes.Length) + c] = nanWeights ? float.NaN : (c == favoured ? 0.001f : -0.001f);
            }
        }

        var bias = new float[classes.Length];
        bias[favoured] = 5;

        var graph = new GraphProto { Name = "classifier" };
        graph.Input.Add(Value("features", TensorProto.Types.DataType.Float, null, width));
        graph.Output.Add(Value("label", TensorProto.Types.DataType.String, null));
        graph.Output.Add(Value("probabilities", TensorProto.Types.DataType.Float, null, classes.Length));
        if (distanceOutput)
        {
            graph.Output.Add(Value("ood_distance", TensorProto.Types.DataType.Float, null));
            graph.Initializer.Add(FloatTensor("spread", [spread], 1));
            graph.Node.Add(Node("Div", ["features", "spread"], ["scaled"]));
            graph.Node.Add(Node("Mul", ["scaled", "scaled"], ["squared"]));
            var mean = Node("ReduceMean", ["squared"], ["mean_square"], IntAttribute("keepdims", 0));
            mean.Attribute.Add(new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1 } });
            graph.Node.Add(mean);
            graph.Node.Add(Node("Sqrt", ["mean_square"], ["ood_distance"]));
        }

        graph.Initializer.Add(FloatTensor("W", weights, width, classes.Length));
        graph.Initializer.Add(FloatTensor("b", bias, classes.Length));
        var names = new TensorProto { Name = "class_names", DataType = (int)TensorProto.Types.DataType.String };
        names.Dims.Add(classes.Length);
        names.StringData.AddRange(classes.Select(ByteString.CopyFromUtf8));
        graph.Initializer.Add(names);

        graph.Node.Add(Node("MatMul", ["features", "W"], ["logits_raw"]));
        graph.Node.Add(Node("Add", ["logits_raw", "b"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], ["probabilities"], IntAttribute("axis", 1)));
        graph.Node.Add(Node("ArgMax", ["probabilities"], ["index"], IntAttribute("axis", 1), IntAttribute("keepdims", 0)));
        graph.Node.Add(Node("Gather", ["class_names", "index"], ["label"], IntAttribute("axis", 0)));

        var model = new ModelProto { IrVersion = 8, ProducerName = "cadml-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = string.Join(",", classes) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "model_version", Value = modelVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "feature_version", Value = featureVersion });
        if (maxDistance is not null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = "abstention_max_distance", Value = maxDistance });
        }

        if (minConfidence is not null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = "abstention_min_confidence", Value = minConfidence });
        }

        return model;
    }

    /// <summary>An If node whose then-branch holds <paramref name="op"/>; its output is never used.</summary>
    public static ModelProto WithOpInIfBranch(this ModelProto model, string op = "RandomUniform")
    {
        var hidden = Subgraph("then", Node(op, [], ["then_out"], IntAttribute("seed", 1)), "then_out");
        var plain = Subgraph("else", Node("Constant", [], ["else_out"], TensorAttribute("value", FloatTensor("c", [0f], 1))), "else_out");
        model.Graph.Initializer.Add(new TensorProto { Name = "gate", DataType = (int)TensorProto.Types.DataType.Bool, Int32Data = { 0 } });
        var node = Node("If", ["gate"], ["if_out"]);
        node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = hidden });
        node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = plain });
        model.Graph.Node.Add(node);
        return model;
    }

    /// <summary>A Loop whose body, one level further down in an If, holds <paramref name="op"/>.</summary>
    public static ModelProto WithOpInLoopBody(this ModelProto model, string op = "RandomUniform")
    {
        var body = Subgraph("body", Node(op, [], ["body_out"], IntAttribute("seed", 1)), "body_out");
        model.Graph.Initializer.Add(new TensorProto { Name = "trip", DataType = (int)TensorProto.Types.DataType.Int64, Int64Data = { 1 } });
        var node = Node("Loop", ["trip", ""], ["loop_out"]);
        node.Attribute.Add(new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        model.Graph.Node.Add(node);
        return model;
    }

    /// <summary>A model-local function whose body holds <paramref name="op"/>, called from the main graph.</summary>
    public static ModelProto WithOpInLocalFunction(this ModelProto model, string op = "RandomUniform")
    {
        var function = new FunctionProto { Domain = "cadml.local", Name = "Innocent" };
        function.Output.Add("fn_out");
        function.Node.Add(Node(op, [], ["fn_out"], IntAttribute("seed", 1)));
        function.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.Functions.Add(function);
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "cadml.local", Version = 1 });
        var call = Node("Innocent", [], ["call_out"]);
        call.Domain = "cadml.local";
        model.Graph.Node.Add(call);
        return model;
    }

    /// <summary>A node from a domain no runtime here implements.</summary>
    public static ModelProto WithCustomDomainOp(this ModelProto model)
    {
        var node = Node("RunShell", ["features"], ["shell_out"]);
        node.Domain = "com.attacker.ops";
        model.Graph.Node.Add(node);
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.attacker.ops", Version = 1 });
        return model;
    }

    /// <summary>The weight tensor stored "outside the file" at <paramref name="location"/>.</summary>
    public static ModelProto WithExternalWeights(this ModelProto model, string location)
    {
        var weights = model.Graph.Initializer.Single(t => t.Name == "W");
        weights.FloatData.Clear();
        weights.DataLocation = TensorProto.Types.DataLocation.External;
        weights.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        weights.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        weights.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "4096" });
        return model;
    }

    public static byte[] Bytes(this ModelProto model) => model.ToByteArray();

    public static ModelProto WithoutMetadata(this ModelProto model, string key)
    {
        var entry = model.MetadataProps.Single(e => e.Key == key);
        model.MetadataProps.Remove(entry);
        return model;
    }

    private static GraphProto Subgraph(string name, NodeProto node, string output)
    {
        var graph = new GraphProto { Name = name };
        graph.Node.Add(node);
        graph.Output.Add(Value(output, TensorProto.Types.DataType.Float, null));
        return graph;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{string.Join("_", outputs)}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto TensorAttribute(string name, TensorProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    /// <summary>A tensor value; a null dimension is the symbolic batch size N.</summary>
    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long?[]? dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (var dim in dims ?? [null])
        {
            tensor.Shape.Dim.Add(dim is { } d ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
