using System.Globalization;
using System.Text;

namespace CadMl.Infrastructure.Tests.Cad.Iges;

/// <summary>
/// Writes small, correctly laid out fixed-format IGES files: S, G, D (two 80-column lines per
/// entity) and P sections with back pointers and sequence numbers, and a Terminate line.
/// </summary>
internal sealed class IgesBuilder
{
    private readonly List<Entity> _entities = [];

    /// <summary>The G14 units flag; null leaves the field empty.</summary>
    public int? UnitsFlag { get; init; } = 2;

    /// <summary>G15 as a Hollerith string.</summary>
    public string UnitsName { get; init; } = "2HMM";

    public string LineEnding { get; init; } = "\n";

    /// <summary>Adds an entity and returns its DE pointer (the odd sequence number of its first DE line).</summary>
    public int Add(int type, string parameters, int transform = 0, int level = 0, string status = "00000000", int form = 0)
    {
        _entities.Add(new Entity(type, parameters, transform, level, status, form));
        return (2 * _entities.Count) - 1;
    }

    public byte[] Build() => Encoding.ASCII.GetBytes(Text());

    public string Text()
    {
        var lines = new List<string> { Line("a test model written by hand", 'S', 1) };
        var global = string.Create(
            CultureInfo.InvariantCulture,
            $"1H,,1H;,4Htest,8Htest.igs,4Hsys1,4Hpre1,32,38,6,308,15,4Htest,1.,{UnitsFlag},{UnitsName},1,0.01,15H20240101.000000,1.E-06,1000.,6Hauthor,3Horg,11,0,15H20240101.000000;");
        var globalLines = Chunk(global, 72);
        for (var i = 0; i < globalLines.Count; i++)
        {
            lines.Add(Line(globalLines[i], 'G', i + 1));
        }

        var parameterLines = new List<string>();
        var directory = new List<string>();
        for (var e = 0; e < _entities.Count; e++)
        {
            var entity = _entities[e];
            var deSequence = (2 * e) + 1;
            var record = Chunk($"{entity.Type},{entity.Parameters};", 64);
            var firstParameterLine = parameterLines.Count + 1;
            foreach (var chunk in record)
            {
                parameterLines.Add(chunk.PadRight(64) + Field(deSequence));
            }

            directory.Add(Line(
                Field(entity.Type) + Field(firstParameterLine) + Field(0) + Field(0) + Field(entity.Level) + Field(0) + Field(entity.Transform) + Field(0) + entity.Status,
                'D',
                deSequence));
            directory.Add(Line(
                Field(entity.Type) + Field(0) + Field(0) + Field(record.Count) + Field(entity.Form) + Field(0) + Field(0) + "        " + Field(0),
                'D',
                deSequence + 1));
        }

        lines.AddRange(directory);
        for (var i = 0; i < parameterLines.Count; i++)
        {
            lines.Add(Line(parameterLines[i], 'P', i + 1));
        }

        lines.Add(Line(string.Create(CultureInfo.InvariantCulture, $"S{1,7}G{globalLines.Count,7}D{directory.Count,7}P{parameterLines.Count,7}"), 'T', 1));
        return string.Join(LineEnding, lines) + LineEnding;
    }

    private static string Field(int value) => value.ToString(CultureInfo.InvariantCulture).PadLeft(8);

    private static string Line(string data, char section, int sequence) =>
        data.PadRight(72) + section + sequence.ToString(CultureInfo.InvariantCulture).PadLeft(7, '0');

    /// <summary>Splits free-format text after delimiters so that no field is broken across lines.</summary>
    private static List<string> Chunk(string text, int width)
    {
        var chunks = new List<string>();
        var current = new StringBuilder();
        foreach (var field in SplitKeepingDelimiters(text))
        {
            if (current.Length + field.Length > width)
            {
                chunks.Add(current.ToString());
                current.Clear();
            }

            current.Append(field);
        }

        if (current.Length > 0)
        {
            chunks.Add(current.ToString());
        }

        return chunks;
    }

    private static IEnumerable<string> SplitKeepingDelimiters(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is ',' or ';')
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private sealed record Entity(int Type, string Parameters, int Transform, int Level, string Status, int Form);
}
