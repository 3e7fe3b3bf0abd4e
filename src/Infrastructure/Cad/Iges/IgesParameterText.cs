using System.Globalization;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad.Iges;

/// <summary>One field of a free-format IGES record: a Hollerith string (<c>nHtext</c>) or anything else, trimmed.</summary>
internal readonly ref struct IgesField(ReadOnlySpan<byte> text, bool isString)
{
    public ReadOnlySpan<byte> Text { get; } = text;

    public bool IsString { get; } = isString;
}

/// <summary>
/// Splits the free-format records of the Global and Parameter Data sections. Fields end at the
/// parameter delimiter; the record ends at the record delimiter. Hollerith strings are read by
/// their declared length, so delimiters inside them do not split.
/// </summary>
internal ref struct IgesFieldReader(ReadOnlySpan<byte> text, byte parameterDelimiter, byte recordDelimiter)
{
    private readonly ReadOnlySpan<byte> _text = text;
    private int _position;
    private bool _ended;

    /// <summary>The problem found by the last failed <see cref="MoveNext"/>, or null when the record simply ended.</summary>
    public string? Problem { get; private set; }

    public bool MoveNext(out IgesField field)
    {
        field = default;
        if (_ended)
        {
            return false;
        }

        while (_position < _text.Length && _text[_position] == (byte)' ')
        {
            _position++;
        }

        if (_position >= _text.Length)
        {
            Problem = "The record has no record delimiter (truncated?).";
            return false;
        }

        var start = _position;
        var isString = false;
        var digits = 0;
        while (_position + digits < _text.Length && _text[_position + digits] is >= (byte)'0' and <= (byte)'9')
        {
            digits++;
        }

        ReadOnlySpan<byte> value;
        if (digits > 0 && _position + digits < _text.Length && _text[_position + digits] is (byte)'H' or (byte)'h')
        {
            if (!int.TryParse(_text.Slice(_position, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || _position + digits + 1 + (long)length > _text.Length)
            {
                Problem = "A Hollerith string is longer than its record.";
                return false;
            }

            value = _text.Slice(_position + digits + 1, length);
            isString = true;
            _position += digits + 1 + length;
            while (_position < _text.Length && _text[_position] == (byte)' ')
            {
                _position++;
            }

            if (_position >= _text.Length || (_text[_position] != parameterDelimiter && _text[_position] != recordDelimiter))
            {
                Problem = "A Hollerith string is not followed by a delimiter.";
                return false;
            }
        }
        else
        {
            while (_position < _text.Length && _text[_position] != parameterDelimiter && _text[_position] != recordDelimiter)
            {
                _position++;
            }

            if (_position >= _text.Length)
            {
                Problem = "The record has no record delimiter (truncated?).";
                return false;
            }

            value = _text[start.._position].Trim((byte)' ');
        }

        _ended = _text[_position] == recordDelimiter;
        _position++;
        field = new IgesField(value, isString);
        return true;
    }
}

internal static class IgesParameterText
{
    /// <summary>
    /// Decodes a parameter record into numbers: empty fields are 0 (the IGES default), Hollerith
    /// strings NaN, and Fortran exponents (1.5D3) are accepted.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> text, byte parameterDelimiter, byte recordDelimiter, List<double> values, out string problem)
    {
        var reader = new IgesFieldReader(text, parameterDelimiter, recordDelimiter);
        while (reader.MoveNext(out var field))
        {
            if (field.IsString)
            {
                values.Add(double.NaN);
            }
            else if (field.Text.IsEmpty)
            {
                values.Add(0);
            }
            else if (TryNumber(field.Text, out var number))
            {
                values.Add(number);
            }
            else
            {
                problem = $"'{System.Text.Encoding.Latin1.GetString(field.Text[..Math.Min(field.Text.Length, 32)])}' is not a number.";
                return false;
            }
        }

        problem = reader.Problem ?? string.Empty;
        return reader.Problem is null;
    }

    public static bool TryNumber(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        if (text.Length > 64)
        {
            return false;
        }

        Span<byte> copy = stackalloc byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            copy[i] = text[i] is (byte)'D' or (byte)'d' ? (byte)'E' : text[i];
        }

        return copy[0] is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'+' or (byte)'.'
            && double.TryParse(copy, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}

/// <summary>The Global section facts the reader uses: delimiters and the model's length unit.</summary>
internal sealed record IgesGlobal(byte ParameterDelimiter, byte RecordDelimiter, int UnitsFlag, string UnitsName, double MillimetresPerUnit, bool UnitsDefaulted)
{
    public static readonly IgesGlobal Default = new((byte)',', (byte)';', 1, "INCH", 25.4, true);

    /// <summary>
    /// G1/G2 are the delimiters (each either <c>1Hc</c> or empty for ',' and ';'); G14 is the
    /// units flag and G15 its name, used when the flag is 3 ("named in G15"). A missing flag means
    /// inches, the specification's default.
    /// </summary>
    public static IgesGlobal Parse(ReadOnlySpan<byte> text)
    {
        var position = 0;
        while (position < text.Length && text[position] == (byte)' ')
        {
            position++;
        }

        var parameterDelimiter = (byte)',';
        if (text.Length >= position + 3 && text[position] == (byte)'1' && text[position + 1] is (byte)'H' or (byte)'h')
        {
            parameterDelimiter = text[position + 2];
        }

        // G2 follows G1's delimiter; find it by reading G1 as a field.
        var probe = new IgesFieldReader(text, parameterDelimiter, parameterDelimiter);
        byte recordDelimiter = (byte)';';
        if (probe.MoveNext(out _) && probe.MoveNext(out var g2) && g2.IsString && g2.Text.Length == 1)
        {
            recordDelimiter = g2.Text[0];
        }

        if (parameterDelimiter == recordDelimiter || parameterDelimiter == (byte)' ' || recordDelimiter == (byte)' ')
        {
            throw new CadReadException("The IGES Global section declares unusable delimiters.");
        }

        var reader = new IgesFieldReader(text, parameterDelimiter, recordDelimiter);
        var index = 0;
        int? flag = null;
        var name = string.Empty;
        while (reader.MoveNext(out var field))
        {
            index++;
            if (index == 14 && !field.Text.IsEmpty)
            {
                flag = IgesParameterText.TryNumber(field.Text, out var value) && value == Math.Floor(value)
                    ? (int)value
                    : throw new CadReadException("The IGES units flag (G14) is not an integer.");
            }
            else if (index == 15)
            {
                name = System.Text.Encoding.Latin1.GetString(field.Text).Trim().ToUpperInvariant();
            }
        }

        if (reader.Problem is not null)
        {
            throw new CadReadException($"The IGES Global section is malformed: {reader.Problem}");
        }

        var scale = flag switch
        {
            null => NamedUnit(name) ?? 25.4,
            3 => NamedUnit(name) ?? throw UnknownUnits(flag, name),
            _ => FlagUnit(flag.Value) ?? throw UnknownUnits(flag, name),
        };
        var unitName = flag is null or 3 ? name : FlagName(flag.Value);
        return new IgesGlobal(parameterDelimiter, recordDelimiter, flag ?? 1, unitName.Length > 0 ? unitName : "INCH", scale, flag is null);
    }

    private static CadReadException UnknownUnits(int? flag, string name) => new(
        "The IGES units are unknown.",
        new Dictionary<string, object?> { ["units_flag"] = flag, ["units_name"] = name });

    private static double? FlagUnit(int flag) => flag switch
    {
        1 => 25.4,
        2 => 1,
        4 => 304.8,
        5 => 1_609_344,
        6 => 1000,
        7 => 1_000_000,
        8 => 0.0254,
        9 => 0.001,
        10 => 10,
        11 => 2.54e-5,
        _ => null,
    };

    private static string FlagName(int flag) => flag switch
    {
        1 => "INCH",
        2 => "MM",
        4 => "FT",
        5 => "MI",
        6 => "M",
        7 => "KM",
        8 => "MIL",
        9 => "UM",
        10 => "CM",
        11 => "UIN",
        _ => "?",
    };

    private static double? NamedUnit(string name) => name switch
    {
        "IN" or "INCH" => 25.4,
        "MM" => 1,
        "FT" => 304.8,
        "MI" => 1_609_344,
        "M" => 1000,
        "KM" => 1_000_000,
        "MIL" => 0.0254,
        "UM" => 0.001,
        "CM" => 10,
        "UIN" => 2.54e-5,
        _ => null,
    };
}
