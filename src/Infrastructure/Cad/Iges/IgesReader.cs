using System.Globalization;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>
/// IGES 5.x, fixed-format ASCII.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Entities: every Directory Entry, by type name (<see cref="IgesEntityTypes"/>;
/// unknown types as <c>TYPE_n</c>), including subordinate ones such as parameter-space curves
/// and transformation matrices, because that is what the file's directory lists.</item>
/// <item>Layers: IGES levels. A DE level number n &gt; 0 counts as layer "n"; a negative level
/// points to a Definition Levels property (406 form 1) and the entity counts on each listed
/// level; level 0 means "no level" and, like a DXF entity without a layer, is not a layer.</item>
/// <item>Solids: manifold solid B-rep objects (186). Faces: faces (510), trimmed (144) and
/// bounded (143) surfaces, each typed by the surface it trims (<see cref="IgesEntityTypes.SurfaceClass"/>).</item>
/// <item>Bounds: see <see cref="IgesBounds"/>, converted from the Global section's unit (G14/G15)
/// to millimetres. The model-space scale G13 is not applied: it relates the drawing to the real
/// world, and the coordinates are already in model units.</item>
/// </list>
/// </remarks>
public sealed class IgesReader : ICadReader
{
    private const int MaxSurfaceDepth = 8;

    public CadFormat Format => CadFormat.Iges;

    public IReadOnlyList<string> Extensions { get; } = ["iges", "igs"];

    public CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        CadInput.RequireContent(content.Span, "IGES");

        var file = IgesFile.Parse(content.Span, cancellationToken);
        var kinds = new CountTable();
        var layers = new CountTable();
        var surfaceTypes = new CountTable();
        var solids = 0;
        var faces = 0;
        for (var e = 0; e < file.Count; e++)
        {
            var type = file.Types[e];
            kinds.Add(IgesEntityTypes.Name(type));
            AddLayers(file, e, layers);
            if (type == 186)
            {
                solids++;
            }

            if (type is 510 or 144 or 143)
            {
                faces++;
                surfaceTypes.Add(SurfaceOfFace(file, e, 0));
            }
        }

        var measure = new IgesBounds(file);
        var modelBounds = measure.Compute(cancellationToken);
        var scale = file.Global.MillimetresPerUnit;
        var bounds = new BoundingBox(
            modelBounds.MinX * scale,
            modelBounds.MinY * scale,
            modelBounds.MinZ * scale,
            modelBounds.MaxX * scale,
            modelBounds.MaxY * scale,
            modelBounds.MaxZ * scale);

        var facts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source_units"] = file.Global.UnitsName,
            ["units_flag"] = file.Global.UnitsDefaulted
                ? "default (inch)"
                : file.Global.UnitsFlag.ToString(CultureInfo.InvariantCulture),
        };

        return new CadDocument(
            CadFormat.Iges,
            kinds,
            layers,
            bounds,
            new CadMetadata(Solids: solids, Units: "mm", Facts: facts, BoundsAccuracy: Accuracy(file, bounds, measure.Approximations, surfaceTypes)),
            new BrepSummary(faces, surfaceTypes),
            measure.Shape()?.Scaled(scale));
    }

    /// <summary>
    /// Same rule as for STEP faces: planes, cylinders, cones, ruled surfaces and extrusions reach their extremes
    /// on their boundaries; other trimmed surfaces may bulge past them. A file with curve or
    /// surface entities (types 100–199, B-rep 500–514) but no box says so instead of showing zeros.
    /// </summary>
    private static BoundsAccuracy Accuracy(IgesFile file, BoundingBox bounds, IReadOnlyCollection<string> approximations, CountTable surfaceTypes)
    {
        if (bounds == BoundingBox.Empty && Enumerable.Range(0, file.Count).Any(e => file.Types[e] is (>= 100 and <= 199) or (>= 500 and <= 514)))
        {
            return BoundsAccuracy.Unavailable(BoundsAccuracy.NoBoundableGeometry);
        }

        var reasons = new List<string>(approximations);
        if (surfaceTypes.Any(t => t.Count > 0 && t.Name is not ("plane" or "cylinder" or "cone" or "ruled" or "surface_of_linear_extrusion")))
        {
            reasons.Add(BoundsAccuracy.CurvedFaceBulge);
        }

        return BoundsAccuracy.From(reasons);
    }

    private static void AddLayers(IgesFile file, int entity, CountTable layers)
    {
        var level = file.Levels[entity];
        if (level > 0)
        {
            layers.Add(level.ToString(CultureInfo.InvariantCulture));
            return;
        }

        if (level == 0)
        {
            return;
        }

        // Definition Levels property (406 form 1): NP, then the levels.
        var property = file.Entity(entity, level);
        if (file.Types[property] != 406 || file.Forms[property] != 1)
        {
            return;
        }

        var count = file.Integer(property, 1);
        for (var i = 0; i < count; i++)
        {
            var listed = file.Integer(property, 2 + i);
            if (listed > 0)
            {
                layers.Add(listed.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private static string SurfaceOfFace(IgesFile file, int entity, int depth)
    {
        // 510 FACE(SURF, ...), 144 TRIMMED_SURFACE(PTS, ...), 143 BOUNDED_SURFACE(TYPE, SPTR, ...).
        var surface = file.Types[entity] == 143 ? file.Pointer(entity, 2) : file.Pointer(entity, 1);
        if (surface < 0)
        {
            return "other";
        }

        var name = IgesEntityTypes.SurfaceClass(file.Types[surface]);
        return name ?? (depth < MaxSurfaceDepth ? SurfaceOfFace(file, surface, depth + 1) : "other");
    }
}
