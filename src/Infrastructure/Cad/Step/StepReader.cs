using System.Globalization;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// STEP (ISO 10303-21; AP203, AP214 and AP242 B-rep models).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Entities: one <c>SOLID</c> per solid, as FEATURES.md says ("one SOLID entity per solid").
/// The thousands of points, edges and loops that describe a solid are its representation, not
/// entities a designer drew, and counting them would make entity_count measure the exporter's
/// tessellation of topology rather than the part. No layers.</item>
/// <item>Solids: instances of MANIFOLD_SOLID_BREP, BREP_WITH_VOIDS and FACETED_BREP, each
/// instance once (a part placed several times in an assembly is still one solid definition).</item>
/// <item>B-rep faces: instances of ADVANCED_FACE or FACE_SURFACE; surface types: the geometry
/// each face lies on, see <see cref="StepSurfaceTypes"/>. <c>metadata.surfaces</c> stays null,
/// because the faces already are the surface count.</item>
/// <item>Bounds: see <see cref="StepBounds"/>; converted to millimetres, so units are "mm".</item>
/// </list>
/// </remarks>
public sealed class StepReader : ICadReader
{
    public CadFormat Format => CadFormat.Step;

    public IReadOnlyList<string> Extensions { get; } = ["step", "stp"];

    public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        CadInput.RequireContent(content.Span, "STEP");

        var file = StepFile.Parse(content, cancellationToken);
        var solids = CountSolids(file);
        var surfaces = StepSurfaceTypes.Classify(file, cancellationToken);
        var units = new StepUnits(file);
        var measure = new StepBounds(file, units);
        var bounds = measure.Compute(cancellationToken);

        var kinds = new CountTable();
        if (solids > 0)
        {
            kinds.Add("SOLID", solids);
        }

        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["schema"] = SchemaFamily(file.Schema),
            ["source_length_unit"] = units.DescribeFileUnit(),
        };
        if (file.Schema is not null)
        {
            facts["schema_name"] = file.Schema;
        }

        if (bounds.Bodies > 0)
        {
            facts["bodies"] = bounds.Bodies.ToString(CultureInfo.InvariantCulture);
            facts["body_instances"] = bounds.Instances.ToString(CultureInfo.InvariantCulture);
        }

        if (bounds.Note is not null)
        {
            facts["bounds_note"] = bounds.Note;
        }

        if (bounds.Approximations.Contains(BoundsAccuracy.PartialPlacements))
        {
            facts["partial"] = "placements";
        }

        return new CadDocument(
            CadFormat.Step,
            kinds,
            new CountTable(),
            bounds.Box,
            new CadMetadata(Solids: solids, Units: "mm", Facts: facts, BoundsAccuracy: Accuracy(bounds, surfaces.Faces, surfaces.Types)),
            new BrepSummary(surfaces.Faces, surfaces.Types),
            measure.Shape());
    }

    /// <summary>
    /// Faces on planes, cylinders, cones and linear extrusions reach their extremes on their
    /// edges, which are bounded exactly (or by control points, which is reported); any other
    /// surface can bulge past every edge, and that is reported too.
    /// </summary>
    private static BoundsAccuracy Accuracy(StepBoundsResult bounds, int faces, CountTable surfaceTypes)
    {
        if (bounds.Box == BoundingBox.Empty && (bounds.Bodies > 0 || faces > 0))
        {
            return BoundsAccuracy.Unavailable(BoundsAccuracy.NoBoundableGeometry);
        }

        var reasons = new List<string>(bounds.Approximations);
        if (surfaceTypes.Any(t => t.Count > 0 && t.Name is not ("plane" or "cylinder" or "cone" or "surface_of_linear_extrusion")))
        {
            reasons.Add(BoundsAccuracy.CurvedFaceBulge);
        }

        return BoundsAccuracy.From(reasons);
    }

    private static int CountSolids(StepFile file)
    {
        int[] codes = [file.TypeCode("MANIFOLD_SOLID_BREP"), file.TypeCode("BREP_WITH_VOIDS"), file.TypeCode("FACETED_BREP")];
        var solids = 0;
        for (var record = 0; record < file.Count; record++)
        {
            if (file.HasType(record, codes[0]) || file.HasType(record, codes[1]) || file.HasType(record, codes[2]))
            {
                solids++;
            }
        }

        return solids;
    }

    /// <summary>
    /// AP242 by name or by its object identifier (…10303 442…), AP214 (AUTOMOTIVE_DESIGN, 10303 214),
    /// AP203 (CONFIG_CONTROL_DESIGN or an AP203 name, 10303 203); anything else is reported as is.
    /// </summary>
    internal static string SchemaFamily(string? schema)
    {
        if (string.IsNullOrWhiteSpace(schema))
        {
            return "unknown";
        }

        var s = schema.ToUpperInvariant();
        if (s.Contains("AP242", StringComparison.Ordinal) || s.Contains("10303 442", StringComparison.Ordinal))
        {
            return "AP242";
        }

        if (s.Contains("AUTOMOTIVE_DESIGN", StringComparison.Ordinal) || s.Contains("AP214", StringComparison.Ordinal) || s.Contains("10303 214", StringComparison.Ordinal))
        {
            return "AP214";
        }

        if (s.Contains("CONFIG_CONTROL_DESIGN", StringComparison.Ordinal) || s.Contains("AP203", StringComparison.Ordinal) || s.Contains("10303 203", StringComparison.Ordinal))
        {
            return "AP203";
        }

        return "other";
    }
}
