namespace CadMl.Domain.Classification;

/// <summary>
/// The stages of a model load, in the order they run. Each works on the one buffer read in
/// <see cref="Size"/>; the serving model changes only in <see cref="Commit"/>, after all others passed.
/// </summary>
public enum ReloadStage
{
    Resolve,
    Size,
    HashCheck,
    Parse,
    OpcodeScan,
    Interface,
    Version,
    Smoke,
    Commit,
}

public static class ReloadStages
{
    public static IReadOnlyList<ReloadStage> InOrder { get; } = Enum.GetValues<ReloadStage>();

    public static string Name(this ReloadStage stage) => stage switch
    {
        ReloadStage.Resolve => "resolve",
        ReloadStage.Size => "size",
        ReloadStage.HashCheck => "hash_check",
        ReloadStage.Parse => "parse",
        ReloadStage.OpcodeScan => "opcode_scan",
        ReloadStage.Interface => "interface",
        ReloadStage.Version => "version",
        ReloadStage.Smoke => "smoke",
        ReloadStage.Commit => "commit",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}
