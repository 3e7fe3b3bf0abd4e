using System.Collections.Frozen;
using System.Globalization;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>IGES 5.3 entity type numbers and the kind names the reader reports for them.</summary>
internal static class IgesEntityTypes
{
    private static readonly FrozenDictionary<int, string> Names = new Dictionary<int, string>
    {
        [0] = "NULL",
        [100] = "CIRCULAR_ARC",
        [102] = "COMPOSITE_CURVE",
        [104] = "CONIC_ARC",
        [106] = "COPIOUS_DATA",
        [108] = "PLANE",
        [110] = "LINE",
        [112] = "PARAMETRIC_SPLINE_CURVE",
        [114] = "PARAMETRIC_SPLINE_SURFACE",
        [116] = "POINT",
        [118] = "RULED_SURFACE",
        [120] = "SURFACE_OF_REVOLUTION",
        [122] = "TABULATED_CYLINDER",
        [123] = "DIRECTION",
        [124] = "TRANSFORMATION_MATRIX",
        [125] = "FLASH",
        [126] = "RATIONAL_BSPLINE_CURVE",
        [128] = "RATIONAL_BSPLINE_SURFACE",
        [130] = "OFFSET_CURVE",
        [132] = "CONNECT_POINT",
        [134] = "NODE",
        [136] = "FINITE_ELEMENT",
        [138] = "NODAL_DISPLACEMENT_AND_ROTATION",
        [140] = "OFFSET_SURFACE",
        [141] = "BOUNDARY",
        [142] = "CURVE_ON_SURFACE",
        [143] = "BOUNDED_SURFACE",
        [144] = "TRIMMED_SURFACE",
        [146] = "NODAL_RESULTS",
        [148] = "ELEMENT_RESULTS",
        [150] = "BLOCK",
        [152] = "RIGHT_ANGULAR_WEDGE",
        [154] = "RIGHT_CIRCULAR_CYLINDER",
        [156] = "RIGHT_CIRCULAR_CONE_FRUSTUM",
        [158] = "SPHERE",
        [160] = "TORUS",
        [162] = "SOLID_OF_REVOLUTION",
        [164] = "SOLID_OF_LINEAR_EXTRUSION",
        [168] = "ELLIPSOID",
        [180] = "BOOLEAN_TREE",
        [182] = "SELECTED_COMPONENT",
        [184] = "SOLID_ASSEMBLY",
        [186] = "MANIFOLD_SOLID",
        [190] = "PLANE_SURFACE",
        [192] = "RIGHT_CIRCULAR_CYLINDRICAL_SURFACE",
        [194] = "RIGHT_CIRCULAR_CONICAL_SURFACE",
        [196] = "SPHERICAL_SURFACE",
        [198] = "TOROIDAL_SURFACE",
        [202] = "ANGULAR_DIMENSION",
        [204] = "CURVE_DIMENSION",
        [206] = "DIAMETER_DIMENSION",
        [208] = "FLAG_NOTE",
        [210] = "GENERAL_LABEL",
        [212] = "GENERAL_NOTE",
        [213] = "NEW_GENERAL_NOTE",
        [214] = "LEADER",
        [216] = "LINEAR_DIMENSION",
        [218] = "ORDINATE_DIMENSION",
        [220] = "POINT_DIMENSION",
        [222] = "RADIUS_DIMENSION",
        [228] = "GENERAL_SYMBOL",
        [230] = "SECTIONED_AREA",
        [302] = "ASSOCIATIVITY_DEFINITION",
        [304] = "LINE_FONT_DEFINITION",
        [306] = "MACRO_DEFINITION",
        [308] = "SUBFIGURE_DEFINITION",
        [310] = "TEXT_FONT_DEFINITION",
        [312] = "TEXT_DISPLAY_TEMPLATE",
        [314] = "COLOR",
        [316] = "UNITS_DATA",
        [320] = "NETWORK_SUBFIGURE_DEFINITION",
        [322] = "ATTRIBUTE_TABLE_DEFINITION",
        [402] = "ASSOCIATIVITY",
        [404] = "DRAWING",
        [406] = "PROPERTY",
        [408] = "SINGULAR_SUBFIGURE_INSTANCE",
        [410] = "VIEW",
        [412] = "RECTANGULAR_ARRAY_SUBFIGURE_INSTANCE",
        [414] = "CIRCULAR_ARRAY_SUBFIGURE_INSTANCE",
        [416] = "EXTERNAL_REFERENCE",
        [418] = "NODAL_LOAD_CONSTRAINT",
        [420] = "NETWORK_SUBFIGURE_INSTANCE",
        [422] = "ATTRIBUTE_TABLE_INSTANCE",
        [430] = "SOLID_INSTANCE",
        [502] = "VERTEX",
        [504] = "EDGE",
        [508] = "LOOP",
        [510] = "FACE",
        [514] = "SHELL",
    }.ToFrozenDictionary();

    /// <summary>The kind name of a type number; unknown numbers become <c>TYPE_n</c>.</summary>
    public static string Name(int type) =>
        Names.TryGetValue(type, out var name) ? name : "TYPE_" + type.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The short surface type of a surface entity, in the vocabulary the STEP reader uses:
    /// 108/190 plane, 192 cylinder, 194 cone, 196 sphere, 198 torus, 128 (and the polynomial 114)
    /// bspline, 118 ruled, 120 surface_of_revolution, 122 (a tabulated cylinder is a linear
    /// extrusion of its directrix) surface_of_linear_extrusion, 140 offset; null when the entity
    /// only wraps another surface (143, 144, 510), "other" for the rest.
    /// </summary>
    public static string? SurfaceClass(int type) => type switch
    {
        108 or 190 => "plane",
        192 => "cylinder",
        194 => "cone",
        196 => "sphere",
        198 => "torus",
        128 or 114 => "bspline",
        118 => "ruled",
        120 => "surface_of_revolution",
        122 => "surface_of_linear_extrusion",
        140 => "offset",
        143 or 144 or 510 => null,
        _ => "other",
    };
}
