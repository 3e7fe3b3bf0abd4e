namespace CadMl.Application.Common.Behaviours;

/// <summary>The name logs and metrics use for a message: its type name without the Command/Query suffix.</summary>
internal static class UseCaseName<TMessage>
{
    public static readonly string Value = Trim(typeof(TMessage).Name);

    private static string Trim(string name) =>
        name.EndsWith("Command", StringComparison.Ordinal) ? name[..^"Command".Length]
        : name.EndsWith("Query", StringComparison.Ordinal) ? name[..^"Query".Length]
        : name;
}

/// <summary>How a use case ended, as a metric label.</summary>
internal static class Outcome
{
    public static string Of(Ardalis.Result.ResultStatus status) => status.ToString().ToLowerInvariant();
}
