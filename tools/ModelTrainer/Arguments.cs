using System.Globalization;

namespace CadMl.ModelTrainer;

/// <summary>A mode, an optional positional argument and <c>--name value</c> options.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public string? Mode { get; private set; }

    public string? Positional { get; private set; }

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                parsed._options[args[i]] = args[++i];
            }
            else if (parsed.Mode is null)
            {
                parsed.Mode = args[i];
            }
            else
            {
                parsed.Positional ??= args[i];
            }
        }

        return parsed;
    }

    public string? Value(string name) => _options.GetValueOrDefault(name);

    public int Int(string name, int fallback) => _options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
