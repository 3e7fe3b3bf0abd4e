using System.Buffers.Binary;
using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Stl;

namespace CadMl.Infrastructure.Tests.Cad.Stl;

public sealed class StlReaderTests
{
    private readonly StlReader _reader = new();

    [Fact]
    public void An_ascii_mesh_counts_one_facet_per_triangle_with_exact_bounds_and_no_layers()
    {
        // Mixed case, tabs, CRLF, blank lines and a multi-word name are all legal.
        const string text =
            "solid My Part\r\n" +
            "  facet normal 0 0 1\r\n    outer loop\r\n      vertex 0 0 0\r\n      vertex 10.5 0 0\r\n      vertex 0 4 0\r\n    endloop\r\n  endfacet\r\n\r\n" +
            "\tFACET NORMAL 0 0 -1\n\tOUTER LOOP\n\t\tVERTEX -1.25e1 2 3\n\t\tVERTEX 1 -7 3.5\n\t\tVERTEX 1 2 -0.5\n\tENDLOOP\n\tENDFACET\n" +
            "endsolid My Part\r\n";

        var document = Read(text);

        document.Format.Should().Be(CadFormat.Stl);
        document.Kinds.Should().Equal(new NamedCount("FACET", 2));
        document.Layers.Should().BeEmpty();
        document.Bounds.Should().Be(new BoundingBox(-12.5, -7, -0.5, 10.5, 4, 3.5));
        document.Metadata.Facets.Should().Be(2);
        document.Metadata.Solids.Should().BeNull("an STL solid block is a name, not a verified solid");
        document.Metadata.Units.Should().BeNull("STL carries no unit");
        document.Metadata.Facts.Should().Contain("encoding", "ascii").And.Contain("solid_blocks", "1");
    }

    [Fact]
    public void Several_ascii_solids_add_their_facets_together()
    {
        var text = AsciiSolid("a", (0, 0, 0), (1, 0, 0), (0, 1, 0)) + AsciiSolid("b", (5, 5, 5), (6, 5, 5), (5, 6, 9)) + AsciiSolid("c");

        var document = Read(text);

        document.Metadata.Facets.Should().Be(2);
        document.Bounds.Should().Be(new BoundingBox(0, 0, 0, 6, 6, 9));
        document.Metadata.Facts!["solid_blocks"].Should().Be("3");
    }

    [Fact]
    public void A_facet_without_a_normal_line_is_accepted()
    {
        var document = Read("solid x\nfacet\nouter loop\nvertex 1 2 3\nvertex 4 5 6\nvertex 7 8 9\nendloop\nendfacet\nendsolid x\n");

        document.Metadata.Facets.Should().Be(1);
        document.Bounds.Should().Be(new BoundingBox(1, 2, 3, 7, 8, 9));
    }

    [Fact]
    public void A_binary_mesh_whose_header_starts_with_solid_is_read_as_binary()
    {
        var content = Binary("solid exported by a tool that should know better", [(0, 0, 0), (2, 0, 0), (0, 3, 0)], [(-1, -1, -1), (0.5f, 0.25f, 7), (1, 1, 1)]);

        var document = _reader.Read(content, CancellationToken.None);

        document.Metadata.Facts!["encoding"].Should().Be("binary");
        document.Metadata.Facets.Should().Be(2);
        document.Kinds["FACET"].Should().Be(2);
        document.Bounds.Should().Be(new BoundingBox(-1, -1, -1, 2, 3, 7));
    }

    [Fact]
    public void A_binary_mesh_without_triangles_is_an_empty_document()
    {
        var document = _reader.Read(Binary("empty"), CancellationToken.None);

        document.EntityCount.Should().Be(0);
        document.Kinds.Should().BeEmpty();
        document.Bounds.Should().Be(BoundingBox.Empty);
        document.Metadata.Facets.Should().Be(0);
    }

    [Fact]
    public void The_cube_of_the_second_golden_vector_reads_as_twelve_facets_without_layers_or_solids()
    {
        // FEATURES.md: "12 FACET, bbox (−1,−1,−1)–(1,1,1), facets 12" with layer_count 0 and solids 0.
        var triangles = new List<(float, float, float)[]>();
        foreach (var axis in new[] { 0, 1, 2 })
        {
            foreach (var side in new[] { -1f, 1f })
            {
                (float, float, float) P(float u, float v) => axis switch
                {
                    0 => (side, u, v),
                    1 => (u, side, v),
                    _ => (u, v, side),
                };
                triangles.Add([P(-1, -1), P(1, -1), P(1, 1)]);
                triangles.Add([P(-1, -1), P(1, 1), P(-1, 1)]);
            }
        }

        var document = _reader.Read(Binary("cube", [.. triangles]), CancellationToken.None);

        document.Kinds.Should().Equal(new NamedCount("FACET", 12));
        document.Layers.Count.Should().Be(0);
        document.Bounds.Should().Be(new BoundingBox(-1, -1, -1, 1, 1, 1));
        document.Metadata.Facets.Should().Be(12);
        document.Metadata.Solids.Should().BeNull();
    }

    [Fact]
    public void A_large_mesh_is_not_an_error()
    {
        const int count = 400_000;
        var content = new byte[84 + (50 * count)];
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(80), count);
        for (var t = 0; t < count; t++)
        {
            var vertex = content.AsSpan(84 + (50 * t) + 12);
            BinaryPrimitives.WriteSingleLittleEndian(vertex, t);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[28..], -t);
            BinaryPrimitives.WriteSingleLittleEndian(vertex[32..], 0.5f * t);
        }

        var document = _reader.Read(content, CancellationToken.None);

        document.Metadata.Facets.Should().Be(count);
        document.Bounds.Should().Be(new BoundingBox(0, -(count - 1), 0, count - 1, 0, 0.5 * (count - 1)));
    }

    [Fact]
    public void A_binary_count_larger_than_the_file_is_rejected_with_the_numbers()
    {
        var content = Binary("liar", [(0, 0, 0), (1, 0, 0), (0, 1, 0)]);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(80), uint.MaxValue);

        var failure = Invoking(content).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("PARSE_FAILED");
        failure.Context.Should().Contain("declared_triangles", uint.MaxValue).And.Contain("actual_bytes", content.Length);
    }

    [Fact]
    public void A_truncated_ascii_mesh_is_rejected()
    {
        var text = AsciiSolid("part", (0, 0, 0), (1, 0, 0), (0, 1, 0));

        var failure = Invoking(Encoding.ASCII.GetBytes(text[..(text.Length - 30)])).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("PARSE_FAILED");
        failure.Context.Should().ContainKey("line");
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("inf")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    [InlineData("-1.#IND")]
    [InlineData("1.#QNAN")]
    public void A_non_finite_ascii_coordinate_is_invalid_geometry(string value)
    {
        var text = $"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex {value} 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n";

        var failure = Invoking(Encoding.ASCII.GetBytes(text)).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("INVALID_GEOMETRY");
        failure.Context.Should().Contain("line", 5);
    }

    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 1)]
    [InlineData(float.NegativeInfinity, 2)]
    public void A_non_finite_binary_coordinate_is_invalid_geometry(float value, int triangle)
    {
        var triangles = Enumerable.Range(0, 3).Select(_ => new[] { (0f, 0f, 0f), (1f, 0f, 0f), (0f, 1f, 0f) }).ToArray();
        triangles[triangle][1] = (1f, value, 0f);

        var failure = Invoking(Binary("bad", triangles)).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("INVALID_GEOMETRY");
        failure.Context.Should().Contain("triangle", triangle);
    }

    [Fact]
    public void A_non_finite_normal_is_not_geometry_and_is_ignored()
    {
        var content = Binary("normals", [(0, 0, 0), (1, 0, 0), (0, 1, 0)]);
        BinaryPrimitives.WriteSingleLittleEndian(content.AsSpan(84), float.NaN);

        _reader.Read(content, CancellationToken.None).Metadata.Facets.Should().Be(1);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        Invoking([]).Should().Throw<CadReadException>();
    }

    [Fact]
    public void Text_that_is_not_stl_is_rejected()
    {
        Invoking(Encoding.ASCII.GetBytes("hello, this is not a mesh\n")).Should().Throw<CadReadException>();
        Invoking(Encoding.ASCII.GetBytes("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0\n")).Should().Throw<CadReadException>();
    }

    internal static string AsciiSolid(string name, params (double X, double Y, double Z)[] vertices)
    {
        var text = new StringBuilder().Append("solid ").Append(name).Append('\n');
        for (var i = 0; i + 2 < vertices.Length; i += 3)
        {
            text.Append("facet normal 0 0 1\nouter loop\n");
            for (var v = i; v < i + 3; v++)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"vertex {vertices[v].X} {vertices[v].Y} {vertices[v].Z}\n");
            }

            text.Append("endloop\nendfacet\n");
        }

        return text.Append("endsolid ").Append(name).Append('\n').ToString();
    }

    internal static byte[] Binary(string header, params (float X, float Y, float Z)[][] triangles)
    {
        var content = new byte[84 + (50 * triangles.Length)];
        Encoding.ASCII.GetBytes(header).AsSpan(0, Math.Min(80, header.Length)).CopyTo(content);
        BinaryPrimitives.WriteUInt32LittleEndian(content.AsSpan(80), (uint)triangles.Length);
        for (var t = 0; t < triangles.Length; t++)
        {
            for (var v = 0; v < 3; v++)
            {
                var at = content.AsSpan(84 + (50 * t) + 12 + (12 * v));
                BinaryPrimitives.WriteSingleLittleEndian(at, triangles[t][v].X);
                BinaryPrimitives.WriteSingleLittleEndian(at[4..], triangles[t][v].Y);
                BinaryPrimitives.WriteSingleLittleEndian(at[8..], triangles[t][v].Z);
            }
        }

        return content;
    }

    private CadDocument Read(string text) => _reader.Read(Encoding.ASCII.GetBytes(text), CancellationToken.None);

    private Action Invoking(byte[] content) => () => _reader.Read(content, CancellationToken.None);
}
