namespace CadMl.Domain.Classification;

/// <summary>How the opcode scan treats standard operators. The numeric value is the <c>model_opcode_mode</c> gauge.</summary>
public enum OpcodeMode
{
    /// <summary>Record every operator, refuse none of the standard ones.</summary>
    Audit = 0,

    /// <summary>Refuse the operators on <see cref="OperatorLists.Blocked"/>.</summary>
    Blocklist = 1,

    /// <summary>Refuse every operator that is not on <see cref="OperatorLists.Allowed"/>.</summary>
    Allowlist = 2,
}

public static class OpcodeModes
{
    /// <summary>Accepted spellings, including the reference's aliases <c>blacklist</c> and <c>whitelist</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["audit", "blocklist", "blacklist", "allowlist", "whitelist"];

    public static bool TryParse(string? text, out OpcodeMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "audit": mode = OpcodeMode.Audit; return true;
            case "blocklist" or "blacklist": mode = OpcodeMode.Blocklist; return true;
            case "allowlist" or "whitelist": mode = OpcodeMode.Allowlist; return true;
            default: mode = default; return false;
        }
    }

    public static string Name(this OpcodeMode mode) => mode switch
    {
        OpcodeMode.Audit => "audit",
        OpcodeMode.Blocklist => "blocklist",
        OpcodeMode.Allowlist => "allowlist",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
