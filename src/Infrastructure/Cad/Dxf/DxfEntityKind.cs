namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>How the reader treats an entity type; the type's name itself is what gets counted.</summary>
internal enum DxfEntityKind : byte
{
    /// <summary>Counted, no geometry the extents use (3DSOLID, REGION, RAY, XLINE, proxies, unknown types).</summary>
    Other,

    /// <summary>Counted, left out of the extents by contract: TEXT, MTEXT, ATTDEF and similar.</summary>
    Text,
    Line,
    Point,
    Circle,
    Arc,
    Ellipse,
    LwPolyline,
    Polyline,
    Vertex,
    SeqEnd,
    Attrib,
    Spline,
    Solid,
    Face3d,
    Insert,
    Dimension,
    Hatch,
    Image,
    Viewport,
    Leader,
    MLine,
    Mesh,

    /// <summary>MULTILEADER (MLEADER): leader lines, arrows, landing and block content from its context data; its MTEXT is text.</summary>
    Multileader,

    /// <summary>ACAD_TABLE: its graphics are the anonymous *T block it references, placed like an unscaled INSERT.</summary>
    Table,
}

/// <summary>One entity type as seen in this file: its name, how it is read, and how many model-space entities have it.</summary>
internal sealed class DxfKindEntry(string name, DxfEntityKind kind)
{
    public string Name { get; } = name;

    public DxfEntityKind Kind { get; } = kind;

    public int Count { get; set; }

    public static DxfEntityKind Classify(string upperName) => upperName switch
    {
        "LINE" => DxfEntityKind.Line,
        "POINT" => DxfEntityKind.Point,
        "CIRCLE" => DxfEntityKind.Circle,
        "ARC" => DxfEntityKind.Arc,
        "ELLIPSE" => DxfEntityKind.Ellipse,
        "LWPOLYLINE" => DxfEntityKind.LwPolyline,
        "POLYLINE" => DxfEntityKind.Polyline,
        "VERTEX" => DxfEntityKind.Vertex,
        "SEQEND" => DxfEntityKind.SeqEnd,
        "ATTRIB" => DxfEntityKind.Attrib,
        "SPLINE" or "HELIX" => DxfEntityKind.Spline,
        "SOLID" or "TRACE" => DxfEntityKind.Solid,
        "3DFACE" => DxfEntityKind.Face3d,
        "INSERT" => DxfEntityKind.Insert,
        "DIMENSION" or "ARC_DIMENSION" or "LARGE_RADIAL_DIMENSION" => DxfEntityKind.Dimension,
        "HATCH" => DxfEntityKind.Hatch,
        "IMAGE" or "WIPEOUT" => DxfEntityKind.Image,
        "VIEWPORT" => DxfEntityKind.Viewport,
        "LEADER" => DxfEntityKind.Leader,
        "MLINE" => DxfEntityKind.MLine,
        "MESH" => DxfEntityKind.Mesh,
        "ACAD_TABLE" => DxfEntityKind.Table,
        "MULTILEADER" or "MLEADER" => DxfEntityKind.Multileader,
        _ when upperName.Contains("TEXT", StringComparison.Ordinal) => DxfEntityKind.Text,
        "ATTDEF" => DxfEntityKind.Text,
        _ => DxfEntityKind.Other,
    };
}
