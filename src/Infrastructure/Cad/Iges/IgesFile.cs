using System.Globalization;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>
/// The fixed-format ASCII IGES file: 80-column records whose column 73 names the section (Start,
/// Global, Directory Entry, Parameter Data, Terminate), in that order. Each entity has two
/// Directory Entry lines of 8-column fields and a parameter record in the P section (columns
/// 1–64), delimited by the Global section's parameter and record delimiters. All parameter data
/// is decoded once into numbers; Hollerith strings are kept as NaN because no rule here needs
/// their text.
/// </summary>
/// <remarks>
/// Strict about layout, because a misread column silently shifts every number: a line longer
/// than 80 columns, a section letter out of order, an odd number of DE lines, a DE whose two
/// type fields differ, a parameter pointer outside the P section, or a Terminate line whose
/// counts disagree with the file are all rejected. Lines may end in LF or CRLF, or the file may
/// be unbroken 80-byte records. Compressed (C) and binary (B) IGES are not supported.
/// </remarks>
internal sealed class IgesFile
{
    private const int CancellationStride = 1024;

    private readonly List<double> _values = [];

    private IgesFile()
    {
    }

    public int Count => Types.Length;

    public int[] Types { get; private set; } = [];

    public int[] Forms { get; private set; } = [];

    public int[] Levels { get; private set; } = [];

    public int[] TransformPointers { get; private set; } = [];

    /// <summary>Status digits 3–4: 0 independent, 1 physically dependent, 2 logically dependent, 3 both.</summary>
    public int[] Subordinate { get; private set; } = [];

    public IgesGlobal Global { get; private set; } = IgesGlobal.Default;

    private int[] ParameterStart { get; set; } = [];

    private int[] ParameterCount { get; set; } = [];

    public static IgesFile Parse(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var file = new IgesFile();

        // A UTF-8 byte order mark from a Windows editor would shift every column of line 1.
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        var lines = SplitLines(bytes);
        var sections = Sections(bytes, lines);
        file.Global = IgesGlobal.Parse(Concatenate(bytes, sections.Global, 72));
        var (pointers, lineCounts) = file.ReadDirectory(bytes, sections.Directory, sections.Parameter.Count, cancellationToken);
        file.ReadParameters(bytes, sections.Parameter, pointers, lineCounts, cancellationToken);
        CheckTerminate(bytes, sections);
        return file;
    }

    /// <summary>The entity index a DE pointer (an odd DE sequence number) refers to; -1 for 0 (none).</summary>
    public int Entity(int owner, double pointer)
    {
        if (pointer == 0)
        {
            return -1;
        }

        var p = Math.Abs(pointer);
        if (p % 2 != 1 || p > (2.0 * Count) - 1)
        {
            throw Error(owner, $"Pointer {pointer.ToString(CultureInfo.InvariantCulture)} is not a directory entry of this file.");
        }

        return (int)((p - 1) / 2);
    }

    public int ParameterCountOf(int entity) => ParameterCount[entity];

    /// <summary>Parameter <paramref name="index"/> (1-based as in the IGES specification; 0 is the type number).</summary>
    public double Parameter(int entity, int index) => index < ParameterCount[entity]
        ? _values[ParameterStart[entity] + index]
        : throw Error(entity, $"Entity type {Types[entity]} has too few parameters (parameter {index} is missing).");

    /// <summary>An integer parameter (counts, flags); Hollerith text or fractions are errors.</summary>
    public int Integer(int entity, int index)
    {
        var value = Parameter(entity, index);
        return value == Math.Floor(value) && Math.Abs(value) <= int.MaxValue
            ? (int)value
            : throw Error(entity, $"Parameter {index} of entity type {Types[entity]} is not an integer.");
    }

    public int Pointer(int entity, int index) => Entity(entity, Parameter(entity, index));

    public CadReadException Error(int entity, string message) => new(
        message,
        new Dictionary<string, object?> { ["directory_entry"] = (2 * entity) + 1, ["entity_type"] = Types[entity] });

    private static List<(int Start, int Length)> SplitLines(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<(int, int)>();
        var newline = bytes.IndexOf((byte)'\n');
        if (newline < 0 || newline > 82)
        {
            // Unbroken 80-byte records, as some mainframe-era writers produce.
            if (bytes.Length % 80 != 0 || newline >= 0)
            {
                throw Layout(1, "Lines are longer than 80 columns.");
            }

            for (var start = 0; start < bytes.Length; start += 80)
            {
                lines.Add((start, 80));
            }

            return lines;
        }

        var position = 0;
        while (position < bytes.Length)
        {
            var end = bytes[position..].IndexOf((byte)'\n');
            var next = end < 0 ? bytes.Length : position + end + 1;
            var length = (end < 0 ? bytes.Length : position + end) - position;
            if (length > 0 && bytes[position + length - 1] == (byte)'\r')
            {
                length--;
            }

            lines.Add((position, length));
            position = next;
        }

        return lines;
    }

    private static IgesSections Sections(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> lines)
    {
        var sections = new IgesSections();
        var order = "SGDPT";
        var current = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var (start, length) = lines[i];
            if (sections.Terminate is not null)
            {
                // Only blank padding (or a DOS end-of-file mark) may follow the Terminate line.
                if (bytes.Slice(start, length).ContainsAnyExcept((byte)' ', (byte)0x1A, (byte)'\t'))
                {
                    throw Layout(i + 1, "Data after the Terminate section.");
                }

                continue;
            }

            if (length < 73 || length > 80)
            {
                throw Layout(i + 1, $"Line is {length} columns long; IGES lines have 80 (section letter in column 73).");
            }

            var letter = (char)bytes[start + 72];
            if (letter is 'B' or 'C' && i == 0)
            {
                throw new CadReadException(
                    letter == 'B' ? "Binary IGES is not supported." : "Compressed ASCII IGES is not supported.",
                    new Dictionary<string, object?> { ["line"] = 1 });
            }

            var section = order.IndexOf(letter, StringComparison.Ordinal);
            if (section < 0)
            {
                throw Layout(i + 1, $"Column 73 holds '{letter}', not a section letter (S, G, D, P, T).");
            }

            if (section < current)
            {
                throw Layout(i + 1, $"Section '{letter}' appears after section '{order[current]}'.");
            }

            current = section;
            switch (letter)
            {
                case 'S':
                    sections.Start.Add(lines[i]);
                    break;
                case 'G':
                    sections.Global.Add(lines[i]);
                    break;
                case 'D':
                    sections.Directory.Add(lines[i]);
                    break;
                case 'P':
                    sections.Parameter.Add(lines[i]);
                    break;
                default:
                    sections.Terminate = lines[i];
                    break;
            }
        }

        if (sections.Terminate is null)
        {
            throw new CadReadException("The IGES file has no Terminate section (truncated?).");
        }

        if (sections.Global.Count == 0)
        {
            throw new CadReadException("The IGES file has no Global section.");
        }

        if (sections.Directory.Count % 2 != 0)
        {
            throw new CadReadException(
                "The Directory Entry section has an odd number of lines; every entity has two.",
                new Dictionary<string, object?> { ["directory_lines"] = sections.Directory.Count });
        }

        return sections;
    }

    private static byte[] Concatenate(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> lines, int columns)
    {
        var buffer = new byte[lines.Count * columns];
        var length = 0;
        foreach (var (start, lineLength) in lines)
        {
            var take = Math.Min(columns, lineLength);
            bytes.Slice(start, take).CopyTo(buffer.AsSpan(length));
            buffer.AsSpan(length + take, columns - take).Fill((byte)' ');
            length += columns;
        }

        return buffer;
    }

    private (int[] Pointers, int[] LineCounts) ReadDirectory(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> lines, int parameterLines, CancellationToken cancellationToken)
    {
        var count = lines.Count / 2;
        Types = new int[count];
        Forms = new int[count];
        Levels = new int[count];
        TransformPointers = new int[count];
        Subordinate = new int[count];
        ParameterStart = new int[count];
        ParameterCount = new int[count];
        var parameterPointers = new int[count];
        var parameterLineCounts = new int[count];
        var checkpoint = new WorkCheckpoint(CancellationStride, cancellationToken);
        for (var e = 0; e < count; e++)
        {
            checkpoint.Step();

            var first = Line(bytes, lines[2 * e]);
            var second = Line(bytes, lines[(2 * e) + 1]);
            var entry = (2 * e) + 1;
            Types[e] = Field(first, 0, entry);
            if (Field(second, 0, entry) != Types[e])
            {
                throw Layout(entry, "The two lines of a directory entry name different entity types.", "directory_entry");
            }

            parameterPointers[e] = Field(first, 1, entry);
            Levels[e] = Field(first, 4, entry);
            TransformPointers[e] = Field(first, 6, entry);
            Subordinate[e] = StatusDigits(first, entry);
            parameterLineCounts[e] = Field(second, 3, entry);
            Forms[e] = Field(second, 4, entry);
            if (parameterPointers[e] < 1 || parameterLineCounts[e] < 1
                || (long)parameterPointers[e] + parameterLineCounts[e] - 1 > parameterLines)
            {
                throw Layout(entry, "The directory entry points outside the Parameter Data section.", "directory_entry");
            }
        }

        return (parameterPointers, parameterLineCounts);
    }

    private void ReadParameters(ReadOnlySpan<byte> bytes, List<(int Start, int Length)> lines, int[] pointers, int[] lineCounts, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 16];
        var fields = new List<double>(64);
        var checkpoint = new WorkCheckpoint(CancellationStride, cancellationToken);
        for (var e = 0; e < Count; e++)
        {
            checkpoint.Step();

            // Columns 1–64 of the entity's lines, padded, make one free-format record.
            var length = 64 * lineCounts[e];
            if (buffer.Length < length)
            {
                buffer = new byte[Math.Max(length, 2 * buffer.Length)];
            }

            var firstLine = pointers[e] - 1;
            for (var l = 0; l < lineCounts[e]; l++)
            {
                var line = Line(bytes, lines[firstLine + l]);
                var data = line[..Math.Min(64, line.Length)];
                var target = buffer.AsSpan(64 * l, 64);
                data.CopyTo(target);
                target[data.Length..].Fill((byte)' ');
            }

            fields.Clear();
            if (!IgesParameterText.TrySplit(buffer.AsSpan(0, length), Global.ParameterDelimiter, Global.RecordDelimiter, fields, out var problem))
            {
                throw Error(e, problem);
            }

            if (fields.Count == 0 || fields[0] != Types[e])
            {
                throw Error(e, "The parameter data does not start with the entity's type number.");
            }

            ParameterStart[e] = _values.Count;
            ParameterCount[e] = fields.Count;
            _values.AddRange(fields);
        }
    }

    private static void CheckTerminate(ReadOnlySpan<byte> bytes, IgesSections sections)
    {
        var line = Line(bytes, sections.Terminate!.Value);
        (char Letter, int Actual)[] expected =
        [
            ('S', sections.Start.Count), ('G', sections.Global.Count), ('D', sections.Directory.Count), ('P', sections.Parameter.Count),
        ];
        for (var i = 0; i < expected.Length; i++)
        {
            var field = line.Slice(i * 8, 8);
            if (field[0] != expected[i].Letter
                || !int.TryParse(field[1..], NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var declared))
            {
                throw new CadReadException("The Terminate section is malformed.");
            }

            if (declared != expected[i].Actual)
            {
                throw new CadReadException(
                    $"The Terminate section declares {declared} {expected[i].Letter} lines but the file has {expected[i].Actual} (truncated or damaged).",
                    new Dictionary<string, object?> { ["section"] = expected[i].Letter.ToString(), ["declared"] = declared, ["actual"] = expected[i].Actual });
            }
        }
    }

    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> bytes, (int Start, int Length) line) => bytes.Slice(line.Start, line.Length);

    private static int Field(ReadOnlySpan<byte> line, int index, int entry)
    {
        var text = line.Slice(index * 8, 8).Trim((byte)' ');
        if (text.IsEmpty)
        {
            return 0;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Layout(entry, $"Directory entry field {index + 1} is not an integer.", "directory_entry");
    }

    private static int StatusDigits(ReadOnlySpan<byte> line, int entry)
    {
        var status = line.Slice(64, 8);
        var digits = status.Slice(2, 2).Trim((byte)' ');
        if (digits.IsEmpty)
        {
            return 0;
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Layout(entry, "The directory entry status field is not numeric.", "directory_entry");
    }

    private static CadReadException Layout(int line, string message, string what = "line") => new(
        $"Malformed IGES: {message}",
        new Dictionary<string, object?> { [what] = line });

    private sealed class IgesSections
    {
        public List<(int Start, int Length)> Start { get; } = [];

        public List<(int Start, int Length)> Global { get; } = [];

        public List<(int Start, int Length)> Directory { get; } = [];

        public List<(int Start, int Length)> Parameter { get; } = [];

        public (int Start, int Length)? Terminate { get; set; }
    }
}
