using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Stl;

/// <summary>
/// STL meshes, ASCII and binary. The encoding is decided by size, not by the first bytes: many
/// binary exporters start their 80-byte header with "solid", so a file is binary exactly when
/// 84 + 50·n equals its length (n = the triangle count at byte 80); otherwise it must be ASCII.
/// </summary>
/// <remarks>
/// The document has one kind, FACET, counted once per triangle, no layers, and exact bounds over
/// every vertex (normals are not geometry and are ignored). <c>metadata.solids</c> stays null:
/// an ASCII <c>solid … endsolid</c> block is a name around a triangle soup, not a verified closed
/// solid, and binary files have no such notion, so the same mesh must not get different feature
/// vectors depending on its encoding (FEATURES.md's second golden vector, a 12-facet cube, has
/// solids 0). The number of ASCII blocks is reported as the fact <c>solid_blocks</c> instead.
/// </remarks>
public sealed class StlReader : ICadReader
{
    public CadFormat Format => CadFormat.Stl;

    public IReadOnlyList<string> Extensions { get; } = ["stl"];

    public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var bytes = content.Span;
        CadInput.RequireContent(bytes, "STL");

        StlMesh mesh;
        if (BinaryStl.HasMatchingSize(bytes))
        {
            mesh = BinaryStl.Read(bytes, cancellationToken);
        }
        else if (AsciiStl.StartsWithSolidKeyword(bytes))
        {
            mesh = AsciiStl.Read(bytes, cancellationToken);
        }
        else
        {
            throw BinaryStl.SizeMismatch(bytes);
        }

        var kinds = new CountTable();
        if (mesh.Triangles > 0)
        {
            kinds.Add("FACET", mesh.Triangles);
        }

        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["encoding"] = mesh.Binary ? "binary" : "ascii",
        };
        if (!mesh.Binary)
        {
            facts["solid_blocks"] = mesh.SolidBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new CadDocument(
            CadFormat.Stl,
            kinds,
            new CountTable(),
            mesh.Bounds,
            new CadMetadata(Facets: mesh.Triangles, Facts: facts, BoundsAccuracy: BoundsAccuracy.Exact),
            Shape: mesh.Shape);
    }
}

internal readonly record struct StlMesh(int Triangles, BoundingBox Bounds, bool Binary, int SolidBlocks, ShapeSummary? Shape = null);
