using CadMl.Application.Model.Ports;
using CadMl.Domain.Classification;
using Google.Protobuf;
using Onnx;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Reads an ONNX <c>ModelProto</c> (OnnxSharp's generated types over Google.Protobuf) for
/// inspection and walks all of it: the main graph, every graph-valued attribute at any depth (If
/// branches, Loop and Scan bodies), model-local functions and training graphs. Nothing here runs
/// the model or opens a file it names. Protobuf's recursion limit bounds the nesting depth.
/// </summary>
internal sealed class OnnxModelScanner : IModelArtifactScanner
{
    private const int MaxNameLength = 64;

    public ModelArtifact? Parse(ReadOnlyMemory<byte> bytes, out string? failure)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException exception)
        {
            failure = "not an ONNX protobuf: " + exception.Message;
            return null;
        }

        failure = StructureProblem(model);
        if (failure is not null)
        {
            return null;
        }

        var walker = new Walker();
        walker.Graph(model.Graph, "graph");
        foreach (var function in model.Functions)
        {
            walker.Function(function);
        }

        for (var i = 0; i < model.TrainingInfo.Count; i++)
        {
            walker.Graph(model.TrainingInfo[i].Initialization, $"training_info[{i}].initialization");
            walker.Graph(model.TrainingInfo[i].Algorithm, $"training_info[{i}].algorithm");
        }

        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var opset in model.OpsetImport)
        {
            opsets[OperatorId.NormaliseDomain(opset.Domain)] = opset.Version;
        }

        return new ModelArtifact(
            model.IrVersion,
            opsets,
            Clip($"{model.ProducerName} {model.ProducerVersion}".Trim()),
            new ModelInventory(walker.Operators, walker.ExternalData, walker.Functions),
            Signature(model));
    }

    /// <summary>Protobuf accepts almost any bytes as some message; these are the facts every ONNX model has.</summary>
    private static string? StructureProblem(ModelProto model)
    {
        if (model.IrVersion < 3)
        {
            return $"ir_version {model.IrVersion} is not a supported ONNX IR version (3 or later).";
        }

        if (model.OpsetImport.Count == 0)
        {
            return "the model imports no operator set.";
        }

        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            return "the model has no graph nodes.";
        }

        return model.Graph.Output.Count == 0 ? "the graph declares no outputs." : null;
    }

    private static ModelSignature Signature(ModelProto model)
    {
        var graph = model.Graph;
        var initialized = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps)
        {
            metadata[entry.Key] = entry.Value;
        }

        return new ModelSignature(
            [.. graph.Input.Where(i => !initialized.Contains(i.Name)).Select(Tensor)],
            [.. graph.Output.Select(Tensor)],
            metadata);
    }

    private static TensorSignature Tensor(ValueInfoProto value)
    {
        if (value.Type?.ValueCase != TypeProto.ValueOneofCase.TensorType)
        {
            return new TensorSignature(Clip(value.Name), value.Type?.ValueCase.ToString().ToLowerInvariant() ?? "none", null);
        }

        var tensor = value.Type.TensorType;
        var element = Enum.IsDefined((TensorProto.Types.DataType)tensor.ElemType)
            ? ((TensorProto.Types.DataType)tensor.ElemType).ToString().ToLowerInvariant()
            : "unknown";
        IReadOnlyList<long?>? dims = tensor.Shape is null
            ? null
            : [.. tensor.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : (long?)null)];
        return new TensorSignature(Clip(value.Name), element, dims);
    }

    private static string Clip(string text) => text.Length <= MaxNameLength ? text : text[..MaxNameLength] + "…";

    private sealed class Walker
    {
        public List<OperatorUse> Operators { get; } = [];

        public List<ExternalDataUse> ExternalData { get; } = [];

        public List<LocalFunctionId> Functions { get; } = [];

        public void Graph(GraphProto? graph, string path)
        {
            if (graph is null)
            {
                return;
            }

            foreach (var tensor in graph.Initializer)
            {
                Tensor(tensor, $"{path}/initializer '{Clip(tensor.Name)}'");
            }

            foreach (var sparse in graph.SparseInitializer)
            {
                Tensor(sparse.Values, $"{path}/sparse_initializer");
                Tensor(sparse.Indices, $"{path}/sparse_initializer");
            }

            Nodes(graph.Node, path);
        }

        public void Function(FunctionProto function)
        {
            var id = LocalFunctionId.Of(function.Domain, function.Name);
            Functions.Add(id);
            Nodes(function.Node, $"function {id.Domain}:{Clip(function.Name)}");
        }

        private void Nodes(Google.Protobuf.Collections.RepeatedField<NodeProto> nodes, string path)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                var op = new OperatorId(node.Domain, node.OpType);
                var location = $"{path}/node {i} ({op})";
                Operators.Add(new OperatorUse(op, location));
                foreach (var attribute in node.Attribute)
                {
                    Attribute(attribute, $"{location}.{Clip(attribute.Name)}");
                }
            }
        }

        private void Attribute(AttributeProto attribute, string path)
        {
            Tensor(attribute.T, path);
            foreach (var tensor in attribute.Tensors)
            {
                Tensor(tensor, path);
            }

            if (attribute.SparseTensor is { } sparse)
            {
                Tensor(sparse.Values, path);
                Tensor(sparse.Indices, path);
            }

            foreach (var sparseTensor in attribute.SparseTensors)
            {
                Tensor(sparseTensor.Values, path);
                Tensor(sparseTensor.Indices, path);
            }

            Graph(attribute.G, path);
            for (var i = 0; i < attribute.Graphs.Count; i++)
            {
                Graph(attribute.Graphs[i], $"{path}[{i}]");
            }
        }

        private void Tensor(TensorProto? tensor, string path)
        {
            if (tensor is null || (tensor.DataLocation != TensorProto.Types.DataLocation.External && tensor.ExternalData.Count == 0))
            {
                return;
            }

            var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value;
            ExternalData.Add(new ExternalDataUse(Clip(tensor.Name), path, location is null ? null : Clip(location)));
        }
    }
}
