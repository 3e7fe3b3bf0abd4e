namespace CadMl.Domain.Classification;

public enum ModelPathViolation
{
    Empty,
    TooLong,
    Absolute,
    Traversal,
    InvalidCharacters,
    NotOnnx,
}

/// <summary>
/// What a reload request may name, as pure string rules checked before the file system is touched:
/// a relative path of plain segments inside the model folder, ending in <c>.onnx</c>. Symlinks that
/// lead out of the folder are the file system's part, checked by the adapter that opens the file.
/// </summary>
public static class ModelPathRules
{
    public const int MaxLength = 255;

    /// <summary>Null when <paramref name="requested"/> is acceptable; <paramref name="relative"/> is then its '/'-joined form.</summary>
    public static ModelPathViolation? Check(string? requested, out string relative)
    {
        relative = "";
        if (string.IsNullOrWhiteSpace(requested))
        {
            return ModelPathViolation.Empty;
        }

        if (requested.Length > MaxLength)
        {
            return ModelPathViolation.TooLong;
        }

        if (requested.Any(c => char.IsControl(c) || c is ':' or '*' or '?' or '"' or '<' or '>' or '|'))
        {
            // ':' also stops drive-qualified paths (C:foo) and alternate data streams.
            return ModelPathViolation.InvalidCharacters;
        }

        if (requested[0] is '/' or '\\' || requested.StartsWith('~'))
        {
            return ModelPathViolation.Absolute;
        }

        var segments = requested.Split('/', '\\');
        if (segments.Any(s => s is ".."))
        {
            return ModelPathViolation.Traversal;
        }

        var kept = segments.Where(s => s is not ("" or ".")).ToList();
        if (kept.Count == 0 || !kept[^1].EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || kept[^1].Length == ".onnx".Length)
        {
            return ModelPathViolation.NotOnnx;
        }

        relative = string.Join('/', kept);
        return null;
    }

    public static string Describe(this ModelPathViolation violation) => violation switch
    {
        ModelPathViolation.Empty => "The path is empty.",
        ModelPathViolation.TooLong => $"The path is longer than {MaxLength} characters.",
        ModelPathViolation.Absolute => "Absolute paths are not accepted; name a file relative to the model folder.",
        ModelPathViolation.Traversal => "The path leaves the model folder ('..' segments are not accepted).",
        ModelPathViolation.InvalidCharacters => "The path contains characters that are not accepted.",
        ModelPathViolation.NotOnnx => "The path must name an .onnx file.",
        _ => throw new ArgumentOutOfRangeException(nameof(violation), violation, null),
    };

    public static string Name(this ModelPathViolation violation) => violation switch
    {
        ModelPathViolation.Empty => "empty",
        ModelPathViolation.TooLong => "too_long",
        ModelPathViolation.Absolute => "absolute",
        ModelPathViolation.Traversal => "traversal",
        ModelPathViolation.InvalidCharacters => "invalid_characters",
        ModelPathViolation.NotOnnx => "not_onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(violation), violation, null),
    };
}
