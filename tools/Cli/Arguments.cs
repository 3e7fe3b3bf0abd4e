using System.Globalization;

namespace CadMl.Cli;

/// <summary>
/// The few flags the commands take, parsed by hand: <c>--name value</c>, <c>--name=value</c>,
/// bare switches, and positional arguments. Unknown flags are an error, never ignored.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private Arguments(List<string> positional) => Positional = positional;

    public List<string> Positional { get; }

    /// <param name="switches">Flags that take no value.</param>
    public static Arguments Parse(IEnumerable<string> args, IReadOnlySet<string> switches)
    {
        var parsed = new Arguments([]);
        using var items = args.GetEnumerator();
        while (items.MoveNext())
        {
            var arg = items.Current;
            if (!arg.StartsWith('-') || arg == "-")
            {
                parsed.Positional.Add(arg);
                continue;
            }

            var name = arg.TrimStart('-');
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!switches.Contains(name))
            {
                value = items.MoveNext() ? items.Current : throw new UsageException($"--{name} needs a value (or is not an option of this command).");
            }

            parsed._flags[name] = value;
        }

        return parsed;
    }

    public string? Text(string name, string? fallback = null)
    {
        _used.Add(name);
        return _flags.TryGetValue(name, out var value) ? value : fallback;
    }

    public bool Switch(string name)
    {
        _used.Add(name);
        return _flags.ContainsKey(name);
    }

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"--{name} must be a whole number from {min} to {max} (was '{text}').");
    }

    /// <summary>Call after reading every flag the command knows: anything left is a typo.</summary>
    public void RejectUnknown()
    {
        var unknown = _flags.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }
}

internal sealed class UsageException(string message) : Exception(message);
