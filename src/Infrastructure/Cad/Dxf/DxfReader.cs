using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// DXF (ASCII and binary, R12 through R2018) to <see cref="CadDocument"/>: model-space entities
/// counted as CAD tools count them, layers, and the true extents of the model-space geometry with
/// block references expanded (FEATURES.md, "Readers → DXF").
/// <para>
/// Errors: input that is not DXF (no sections, a line where a group code belongs that is not
/// one, a number that is not a number, data that ends inside a section) is PARSE_FAILED; a DXF
/// whose geometry has NaN or infinite coordinates, or whose extents overflow, is
/// INVALID_GEOMETRY, because any feature computed from it would be meaningless. Things real CAD
/// files get wrong and that have one sensible reading (a stray ENDSEC, a missing SEQEND, a
/// reference to an undefined block, a missing EOF) are read the way ezdxf's recovery reads them.
/// </para>
/// </summary>
public sealed class DxfReader : ICadReader
{
    private static readonly string[] DxfExtensions = ["dxf"];

    public CadFormat Format => CadFormat.Dxf;

    public IReadOnlyList<string> Extensions => DxfExtensions;

    public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        CadInput.RequireContent(content.Span, "DXF");
        cancellationToken.ThrowIfCancellationRequested();
        var parser = new DxfParser(cancellationToken);
        parser.Parse(content.Span);

        var extents = parser.ModelExtents;
        var expander = new BlockExpander(cancellationToken);
        foreach (var reference in parser.TopLevelReferences)
        {
            expander.Include(reference, extents);
        }

        var bounds = ToBounds(extents);
        var shape = parser.ModelShape;
        foreach (var reference in parser.TopLevelReferences)
        {
            shape.Reference(reference, cancellationToken);
        }

        var encoding = DxfText.EncodingFor(parser.AcadVersion, parser.CodePage);

        var kinds = new CountTable();
        var solids = 0;
        var faces = 0;
        foreach (var kind in parser.Kinds)
        {
            kinds.Add(kind.Name, kind.Count);
            if (kind.Name == "3DSOLID")
            {
                solids += kind.Count;
            }
            else if (kind.Name == "3DFACE")
            {
                faces += kind.Count;
            }
        }

        var layers = new CountTable();
        foreach (var layer in parser.Layers)
        {
            layers.Add(DxfText.Decode(System.Text.Encoding.Latin1.GetBytes(layer.RawKey), encoding), layer.Count);
        }

        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dxf_version"] = parser.AcadVersion ?? "AC1009",
            ["code_page"] = encoding.WebName,
            ["binary"] = parser.IsBinary ? "true" : "false",
        };
        if (expander.BudgetExhausted)
        {
            facts["block_expansion"] = "approximate";
        }

        // A drawing without 3D solids or faces has no solid or facet count to report: null, so
        // surface_count and the ratios fall through to their defaults exactly as for any 2D part.
        var metadata = new CadMetadata(
            Solids: solids > 0 ? solids : null,
            Facets: faces > 0 ? faces : null,
            Units: DxfUnits.Name(parser.InsUnits),
            Facts: facts,
            BoundsAccuracy: Accuracy(parser, expander));
        return new CadDocument(CadFormat.Dxf, kinds, layers, bounds, metadata, Shape: shape.Summarise());
    }

    /// <summary>
    /// Text, MTEXT and attributes are outside the extents by contract, so they make no box
    /// approximate. Leader graphics are measured (lines, arrowheads, landings, block content);
    /// what of them is not is named by the leaders themselves.
    /// </summary>
    private static BoundsAccuracy Accuracy(DxfParser parser, BlockExpander expander) =>
        BoundsAccuracy.From(Approximations(parser, expander));

    private static IEnumerable<string> Approximations(DxfParser parser, BlockExpander expander)
    {
        foreach (var reason in parser.LeaderApproximations)
        {
            yield return reason;
        }

        if (parser.SplineExtentsApproximate)
        {
            yield return BoundsAccuracy.SplineControlPoints;
        }

        if (expander.BudgetExhausted)
        {
            yield return BoundsAccuracy.BlockExpansionBudget;
        }
    }

    private static BoundingBox ToBounds(Extents extents)
    {
        if (extents.SawNonFinite)
        {
            throw new CadReadException(
                "The drawing has coordinates that are not finite numbers (NaN or infinity).",
                new Dictionary<string, object?> { ["reason"] = "NON_FINITE_COORDINATE" },
                ErrorCodes.InvalidGeometry);
        }

        if (extents.IsEmpty)
        {
            return BoundingBox.Empty;
        }

        var box = new BoundingBox(extents.MinX, extents.MinY, extents.MinZ, extents.MaxX, extents.MaxY, extents.MaxZ);
        if (!double.IsFinite(box.Width) || !double.IsFinite(box.Height) || !double.IsFinite(box.Depth))
        {
            throw new CadReadException(
                "The drawing's extents are too large to measure (they overflow a double).",
                new Dictionary<string, object?> { ["reason"] = "EXTENTS_OVERFLOW" },
                ErrorCodes.InvalidGeometry);
        }

        return box;
    }
}

/// <summary>$INSUNITS codes (DXF reference) as short unit names; 0 (unitless) and unknown codes have none.</summary>
internal static class DxfUnits
{
    private static readonly string?[] Names =
    [
        null, "in", "ft", "mi", "mm", "cm", "m", "km", "uin", "mil", "yd", "angstrom", "nm", "um", "dm", "dam", "hm",
        "Gm", "au", "ly", "pc", "us_ft", "us_in", "us_yd", "us_mi",
    ];

    public static string? Name(long? code) => code is >= 0 and < 25 ? Names[code.Value] : null;
}
