using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// Faces (ADVANCED_FACE, FACE_SURFACE; each instance once) and the type of surface each lies on,
/// in short names shared with the IGES reader so that the same part gives the same vocabulary:
/// <list type="table">
/// <item><term>plane</term><description>PLANE</description></item>
/// <item><term>cylinder</term><description>CYLINDRICAL_SURFACE</description></item>
/// <item><term>cone</term><description>CONICAL_SURFACE</description></item>
/// <item><term>sphere</term><description>SPHERICAL_SURFACE</description></item>
/// <item><term>torus</term><description>TOROIDAL_SURFACE, DEGENERATE_TOROIDAL_SURFACE</description></item>
/// <item><term>bspline</term><description>B_SPLINE_SURFACE and its subtypes (…_WITH_KNOTS,
/// BEZIER_, UNIFORM_, QUASI_UNIFORM_, RATIONAL_B_SPLINE_SURFACE), simple or complex</description></item>
/// <item><term>surface_of_revolution</term><description>SURFACE_OF_REVOLUTION</description></item>
/// <item><term>surface_of_linear_extrusion</term><description>SURFACE_OF_LINEAR_EXTRUSION</description></item>
/// <item><term>offset</term><description>OFFSET_SURFACE</description></item>
/// <item><term>other</term><description>anything else</description></item>
/// </list>
/// RECTANGULAR_TRIMMED_SURFACE and CURVE_BOUNDED_SURFACE only restrict another surface, so the
/// face takes the type of that basis surface.
/// </summary>
internal static class StepSurfaceTypes
{
    private const int MaxBasisDepth = 8;

    public static (int Faces, CountTable Types) Classify(StepFile file, CancellationToken cancellationToken)
    {
        var advancedFace = file.TypeCode("ADVANCED_FACE");
        var faceSurface = file.TypeCode("FACE_SURFACE");
        var classes = new string?[file.TypeCount];
        var types = new CountTable();
        var faces = 0;
        var checkpoint = new WorkCheckpoint(4096, cancellationToken);
        for (var record = 0; record < file.Count; record++)
        {
            if (!file.HasType(record, advancedFace) && !file.HasType(record, faceSurface))
            {
                continue;
            }

            checkpoint.Step();

            faces++;

            // Simple: (name, bounds, face_geometry, same_sense); complex: FACE_SURFACE(face_geometry, same_sense).
            var geometry = !file.IsComplex(record)
                ? StepValues.Item(file.PartParameters(record, 0), 2)
                : file.FindPart(record, faceSurface) is var part and >= 0
                    ? StepValues.Item(file.PartParameters(record, part), 0)
                    : [];
            if (!StepValues.TryReference(geometry, out var surfaceId))
            {
                throw file.Error(record, "A face has no surface reference.");
            }

            types.Add(SurfaceClass(file, file.IndexOf(surfaceId), classes, 0));
        }

        return (faces, types);
    }

    private static string SurfaceClass(StepFile file, int record, string?[] classes, int depth)
    {
        for (var part = 0; part < file.PartCount(record); part++)
        {
            var code = file.PartType(record, part);
            var name = classes[code] ??= ClassOf(file.TypeName(code));
            if (name.Length == 0)
            {
                continue;
            }

            if (name == "basis")
            {
                // Simple: (name, basis_surface, ...); complex part: (basis_surface, ...).
                var basis = StepValues.Item(file.PartParameters(record, part), file.IsComplex(record) ? 0 : 1);
                return depth < MaxBasisDepth && StepValues.TryReference(basis, out var basisId)
                    ? SurfaceClass(file, file.IndexOf(basisId), classes, depth + 1)
                    : "other";
            }

            return name;
        }

        return "other";
    }

    /// <summary>The short surface type of an entity type name, "basis" for restricting wrappers, "" for names that do not decide.</summary>
    internal static string ClassOf(string typeName) => typeName switch
    {
        "PLANE" => "plane",
        "CYLINDRICAL_SURFACE" => "cylinder",
        "CONICAL_SURFACE" => "cone",
        "SPHERICAL_SURFACE" => "sphere",
        "TOROIDAL_SURFACE" or "DEGENERATE_TOROIDAL_SURFACE" => "torus",
        "B_SPLINE_SURFACE" or "B_SPLINE_SURFACE_WITH_KNOTS" or "BEZIER_SURFACE" or "UNIFORM_SURFACE"
            or "QUASI_UNIFORM_SURFACE" or "RATIONAL_B_SPLINE_SURFACE" => "bspline",
        "SURFACE_OF_REVOLUTION" => "surface_of_revolution",
        "SURFACE_OF_LINEAR_EXTRUSION" => "surface_of_linear_extrusion",
        "OFFSET_SURFACE" => "offset",
        "RECTANGULAR_TRIMMED_SURFACE" or "CURVE_BOUNDED_SURFACE" => "basis",
        _ => string.Empty,
    };
}
