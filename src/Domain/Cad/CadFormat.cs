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
}
