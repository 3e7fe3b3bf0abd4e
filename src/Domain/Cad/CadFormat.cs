namespace CadMl.Domain.Cad;

public enum CadFormat
{
    Dxf,
    Stl,
    Step,
    Iges,
}

public static class CadFormats
{
    /// <summary>The wire name of a format: dxf, stl, step, iges.</summary>
    public static string Name(this CadFormat format) => format switch
    {
        CadFormat.Dxf => "dxf",
        CadFormat.Stl => "stl",
        CadFormat.Step => "step",
        CadFormat.Iges => "iges",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The format of a wire name (dxf, stl, step, iges); null for anything else, including null.</summary>
    public static CadFormat? FromName(string? name) => name switch
    {
        "dxf" => CadFormat.Dxf,
        "stl" => CadFormat.Stl,
        "step" => CadFormat.Step,
        "iges" => CadFormat.Iges,
        _ => null,
    };
}
