using CadMl.Domain.Classification;
using CadMl.Infrastructure.Models;
using CadMl.Tests.Shared;

namespace CadMl.Infrastructure.Tests.Models;

public sealed class OnnxModelScannerTests
{
    private readonly OnnxModelScanner _scanner = new();

    [Fact]
    public void A_classifier_is_read_with_its_interface_and_every_node()
    {
        var artifact = _scanner.Parse(TestModels.Classifier("m7").Bytes(), out var failure);

        failure.Should().BeNull();
        artifact!.Signature.Inputs.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new TensorSignature("features", "float", [null, 24]));
        artifact.Signature.Outputs.Select(o => (o.Name, o.ElementType)).Should().Equal(("label", "string"), ("probabilities", "float"), ("ood_distance", "float"));
        artifact.Signature.Metadata["model_version"].Should().Be("m7");
        artifact.Inventory.Operators.Select(o => o.Operator.OpType).Should().Equal("Div", "Mul", "ReduceMean", "Sqrt", "MatMul", "Add", "Softmax", "ArgMax", "Gather");
        artifact.Opsets.Should().ContainKey("ai.onnx").WhoseValue.Should().Be(17);
    }

    public static TheoryData<string, string> HiddenOperators => new()
    {
        { "if", "graph/node 9 (ai.onnx:If).then_branch/node 0 (ai.onnx:RandomUniform)" },
        { "loop", "graph/node 9 (ai.onnx:Loop).body/node 0 (ai.onnx:RandomUniform)" },
        { "function", "function cadml.local:Innocent/node 0 (ai.onnx:RandomUniform)" },
    };

    [Theory]
    [MemberData(nameof(HiddenOperators))]
    public void Operators_inside_subgraphs_and_local_functions_are_found_where_they_hide(string hiding, string location)
    {
        var model = hiding switch
        {
            "if" => TestModels.Classifier().WithOpInIfBranch(),
            "loop" => TestModels.Classifier().WithOpInLoopBody(),
            _ => TestModels.Classifier().WithOpInLocalFunction(),
        };

        var artifact = _scanner.Parse(model.Bytes(), out _)!;

        artifact.Inventory.Operators.Should().Contain(new OperatorUse(new OperatorId("", "RandomUniform"), location));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("weights.bin")]
    public void External_data_is_reported_without_opening_what_it_names(string location)
    {
        var artifact = _scanner.Parse(TestModels.Classifier().WithExternalWeights(location).Bytes(), out _)!;

        artifact.Inventory.ExternalData.Should().ContainSingle().Which.Should().Be(
            new ExternalDataUse("W", "graph/initializer 'W'", location));
    }

    [Fact]
    public void Random_bytes_are_not_a_model()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);

        _scanner.Parse(bytes, out var failure).Should().BeNull();
        failure.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void A_truncated_model_is_not_a_model(double kept)
    {
        var bytes = TestModels.Classifier().Bytes();

        _scanner.Parse(bytes.AsMemory(0, (int)(bytes.Length * kept)), out var failure).Should().BeNull();
        failure.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void Deeply_nested_subgraphs_stop_at_the_protobuf_recursion_limit_instead_of_the_stack()
    {
        var model = TestModels.Classifier();
        var innermost = model.Graph;
        for (var i = 0; i < 200; i++)
        {
            var wrapper = new Onnx.GraphProto { Name = $"g{i}" };
            var node = new Onnx.NodeProto { OpType = "If" };
            node.Attribute.Add(new Onnx.AttributeProto { Name = "then_branch", Type = Onnx.AttributeProto.Types.AttributeType.Graph, G = innermost });
            wrapper.Node.Add(node);
            innermost = wrapper;
        }

        model.Graph = innermost;

        _scanner.Parse(TestModels.Bytes(model), out var failure).Should().BeNull();
        failure.Should().Contain("not an ONNX protobuf");
    }
}
