using CadMl.Application.Analysis.Ports;
using CadMl.Infrastructure.Cad;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>The one input-check path every CAD reader goes through (CadInput, WorkCheckpoint).</summary>
public sealed class CadInputTests
{
    public static TheoryData<string, string> Readers() => new()
    {
        { "dxf", "DXF" },
        { "stl", "STL" },
        { "step", "STEP" },
        { "iges", "IGES" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public void Every_reader_refuses_an_empty_file_in_the_same_words(string extension, string formatName)
    {
        ICadReader reader = extension switch
        {
            "dxf" => new DxfReader(),
            "stl" => new StlReader(),
            "step" => new StepReader(),
            _ => new IgesReader(),
        };

        var read = () => reader.Read(ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        var error = read.Should().Throw<CadReadException>().Which;
        error.Message.Should().Be($"The {formatName} file is empty.");
        error.Code.Should().Be("PARSE_FAILED");
    }

    [Fact]
    public void Checkpoint_looks_at_the_budget_on_every_interval_th_step_only()
    {
        using var budget = new CancellationTokenSource();
        budget.Cancel();
        var checkpoint = new WorkCheckpoint(8, budget.Token);

        for (var step = 1; step < 8; step++)
        {
            checkpoint.Step();
        }

        var eighth = () => checkpoint.Step();
        eighth.Should().Throw<OperationCanceledException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Checkpoint_interval_must_be_a_power_of_two(int interval)
    {
        var create = () => new WorkCheckpoint(interval, CancellationToken.None);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
