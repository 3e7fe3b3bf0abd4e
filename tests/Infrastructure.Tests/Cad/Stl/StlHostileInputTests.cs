using System.Buffers.Binary;
using System.Text;
using CadMl.Infrastructure.Cad.Stl;

namespace CadMl.Infrastructure.Tests.Cad.Stl;

public sealed class StlHostileInputTests
{
    private readonly StlReader _reader = new();

    [Fact]
    public async Task Random_bytes_are_rejected_or_read_never_crash()
    {
        var (_, rejected) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.RandomBytes(seed: 1).Concat(HostileInputs.RandomBytes(seed: 2, prefix: "solid ")));

        rejected.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task An_ascii_mesh_cut_anywhere_is_rejected_unless_the_cut_leaves_a_complete_mesh()
    {
        var text = StlReaderTests.AsciiSolid("part", (0, 0, 0), (1, 0, 0), (0, 1, 0), (2, 2, 2), (3, 2, 2), (2, 3, 2));
        var full = Encoding.ASCII.GetBytes(text);

        foreach (var cut in HostileInputs.Truncations(full))
        {
            var outcome = await ReaderOutcome.OfAsync(_reader, cut);
            var complete = Encoding.ASCII.GetString(cut).TrimEnd().Split('\n')[^1].StartsWith("endsolid", StringComparison.Ordinal);
            (outcome.Document is not null).Should().Be(complete, $"cut at {cut.Length} bytes");
        }
    }

    [Fact]
    public async Task A_binary_mesh_cut_anywhere_is_rejected()
    {
        var content = StlReaderTests.Binary("binary", [(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(5, 5, 5), (6, 5, 5), (5, 6, 5)]);

        var (documents, _) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Truncations(content));

        documents.Should().Be(0);
    }

    [Fact]
    public async Task A_binary_mesh_with_damaged_bytes_is_read_or_rejected()
    {
        var content = StlReaderTests.Binary("binary", [(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(5, 5, 5), (6, 5, 5), (5, 6, 5)]);

        var (documents, rejected) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Mutations(content, seed: 3));

        (documents + rejected).Should().Be(300);
    }

    [Fact]
    public async Task An_ascii_mesh_with_damaged_bytes_is_read_or_rejected()
    {
        var content = Encoding.ASCII.GetBytes(StlReaderTests.AsciiSolid("part", (0, 0, 0), (1, 0, 0), (0, 1, 0)));

        var (_, rejected) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Mutations(content, seed: 4, alphabet: "0123456789.-+eE \nsolidfacetvrx"));

        rejected.Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(1_000_000u)]
    [InlineData(85_899_345u)]
    [InlineData(uint.MaxValue)]
    public async Task A_binary_count_that_overflows_the_size_is_rejected_quickly(uint declared)
    {
        var content = new byte[84];
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(80), declared);

        var outcome = await ReaderOutcome.OfAsync(_reader, content);

        outcome.Failure.Should().NotBeNull();
        outcome.Failure!.Context["declared_triangles"].Should().Be(declared);
    }
}
