using System.Buffers.Binary;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// Group-code/value pairs over the raw bytes of an ASCII or binary DXF file, without copying or
/// decoding anything: <see cref="Value"/> is a slice of the input and is interpreted only when the
/// parser asks for it, so values nobody needs cost nothing.
/// </summary>
internal ref struct DxfTagReader
{
    public static ReadOnlySpan<byte> BinarySentinel => "AutoCAD Binary DXF\r\n\u001a\0"u8;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _twoByteCodes;
    private int _position;
    private int _line;
    private WorkCheckpoint _checkpoint;

    /// <summary>Tags between two looks at the parse budget: a few microseconds of reading.</summary>
    private const int CancellationInterval = 4096;

    public DxfTagReader(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        _data = data;
        _checkpoint = new WorkCheckpoint(CancellationInterval, cancellationToken);
        IsBinary = data.StartsWith(BinarySentinel);
        if (IsBinary)
        {
            _position = BinarySentinel.Length;

            // The first tag is (0, "SECTION"): R13 and later write the 0 as two bytes, R12 as one.
            _twoByteCodes = data.Length > _position + 1 && data[_position + 1] == 0;
        }
        else if (data.StartsWith("\uFEFF"u8))
        {
            _position = 3;
        }
    }

    public bool IsBinary { get; }

    public int Code { get; private set; }

    /// <summary>ASCII: the value line without its line break. Binary: the value's bytes (without a string's terminator).</summary>
    public ReadOnlySpan<byte> Value { get; private set; }

    /// <summary>Where the current tag starts: a 1-based line number (ASCII) or a byte offset (binary), for error messages.</summary>
    public int Location { get; private set; }

    public int ValueOffset { get; private set; }

    public readonly string LocationName => IsBinary ? "offset" : "line";

    public readonly ReadOnlySpan<byte> Data => _data;

    /// <summary>Reads the next pair; false at the end of the data. A code line that is not an integer is not DXF.</summary>
    public bool Read()
    {
        _checkpoint.Step();
        return IsBinary ? ReadBinary() : ReadAscii();
    }

    private bool ReadAscii()
    {
        // Blank lines between tags occur in hand-edited files; a blank line where a code belongs
        // is skipped rather than treated as garbage.
        ReadOnlySpan<byte> codeLine;
        do
        {
            if (_position >= _data.Length)
            {
                return false;
            }

            Location = _line + 1;
            codeLine = NextLine();
        }
        while (DxfNumber.Trim(codeLine).IsEmpty);

        if (!TryParseCode(codeLine, out var code))
        {
            throw Invalid($"Line {Location} should hold a group code but does not.");
        }

        if (_position >= _data.Length)
        {
            throw Invalid($"The file ends after group code {code} at line {Location} without its value.", "TRUNCATED");
        }

        ValueOffset = _position;
        Value = NextLine();
        Code = code;
        return true;
    }

    private ReadOnlySpan<byte> NextLine()
    {
        var rest = _data[_position..];
        var newline = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line;
        if (newline < 0)
        {
            line = rest;
            _position = _data.Length;
        }
        else
        {
            line = rest[..newline];
            _position += newline + 1;
        }

        _line++;
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return line;
    }

    private static bool TryParseCode(ReadOnlySpan<byte> line, out int code)
    {
        code = 0;
        var s = DxfNumber.Trim(line);
        if (s.IsEmpty || s.Length > 6)
        {
            return false;
        }

        var i = 0;
        var negative = s[0] == (byte)'-';
        if (negative)
        {
            i = 1;
        }

        if (i == s.Length)
        {
            return false;
        }

        var v = 0;
        for (; i < s.Length; i++)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }

            v = (v * 10) + (int)d;
        }

        code = negative ? -v : v;
        return true;
    }

    private bool ReadBinary()
    {
        if (_position >= _data.Length)
        {
            return false;
        }

        Location = _position;
        int code;
        if (_twoByteCodes)
        {
            Need(2);
            code = BinaryPrimitives.ReadUInt16LittleEndian(_data[_position..]);
            _position += 2;
        }
        else
        {
            code = _data[_position++];
            if (code == 255)
            {
                Need(2);
                code = BinaryPrimitives.ReadUInt16LittleEndian(_data[_position..]);
                _position += 2;
            }
        }

        int length;
        switch (DxfCodes.TypeOf(code))
        {
            case DxfValueType.Int16:
                length = 2;
                break;
            case DxfValueType.Int32:
                length = 4;
                break;
            case DxfValueType.Int64:
            case DxfValueType.Double:
                length = 8;
                break;
            case DxfValueType.Bool:
                length = 1;
                break;
            case DxfValueType.Binary:
                Need(1);
                length = _data[_position++];
                break;
            default:
                var end = _data[_position..].IndexOf((byte)0);
                if (end < 0)
                {
                    throw Invalid($"A string value at offset {_position} has no terminator.", "TRUNCATED");
                }

                ValueOffset = _position;
                Value = _data.Slice(_position, end);
                _position += end + 1;
                Code = code;
                return true;
        }

        Need(length);
        ValueOffset = _position;
        Value = _data.Slice(_position, length);
        _position += length;
        Code = code;
        return true;
    }

    private readonly void Need(int bytes)
    {
        if (_data.Length - _position < bytes)
        {
            throw Invalid($"The binary DXF data ends inside a tag at offset {_position}.", "TRUNCATED");
        }
    }

    /// <summary>The value as a number; a value that is not a number where one is required is not DXF.</summary>
    public readonly double GetDouble()
    {
        if (!IsBinary)
        {
            if (DxfNumber.TryParseDouble(Value, out var d))
            {
                return d;
            }

            throw Invalid($"Group code {Code} at line {Location} should hold a number.");
        }

        return Value.Length switch
        {
            8 when DxfCodes.TypeOf(Code) == DxfValueType.Double => BinaryPrimitives.ReadDoubleLittleEndian(Value),
            _ => GetInteger(),
        };
    }

    public readonly long GetInteger()
    {
        if (!IsBinary)
        {
            if (DxfNumber.TryParseInt(Value, out var v))
            {
                return v;
            }

            throw Invalid($"Group code {Code} at line {Location} should hold an integer.");
        }

        return DxfCodes.TypeOf(Code) switch
        {
            DxfValueType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(Value),
            DxfValueType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(Value),
            DxfValueType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(Value),
            DxfValueType.Bool => Value[0],
            DxfValueType.Double => ToInteger(BinaryPrimitives.ReadDoubleLittleEndian(Value)),
            _ => DxfNumber.TryParseInt(Value, out var s) ? s : throw Invalid($"Group code {Code} at offset {Location} should hold an integer."),
        };
    }

    /// <summary>A handle (hexadecimal); 0 when the value is not one, since handles only decide ownership.</summary>
    public readonly ulong GetHandle()
    {
        var s = DxfNumber.Trim(Value);
        if (s.IsEmpty || s.Length > 16)
        {
            return 0;
        }

        ulong h = 0;
        foreach (var c in s)
        {
            uint d = c switch
            {
                >= (byte)'0' and <= (byte)'9' => (uint)(c - '0'),
                >= (byte)'a' and <= (byte)'f' => (uint)(c - 'a' + 10),
                >= (byte)'A' and <= (byte)'F' => (uint)(c - 'A' + 10),
                _ => uint.MaxValue,
            };
            if (d == uint.MaxValue)
            {
                return 0;
            }

            h = (h << 4) | d;
        }

        return h;
    }

    /// <summary>Case-sensitive match of a string value, ignoring surrounding blanks as AutoCAD does for keywords.</summary>
    public readonly bool ValueIs(ReadOnlySpan<byte> expected) => DxfNumber.Trim(Value).SequenceEqual(expected);

    public readonly ReadOnlySpan<byte> TrimmedValue => DxfNumber.Trim(Value);

    private readonly long ToInteger(double d) =>
        double.IsFinite(d) && Math.Abs(d) < 1e18 ? (long)d : throw Invalid($"Group code {Code} at offset {Location} should hold an integer.");

    public readonly CadReadException Invalid(string message, string reason = "SYNTAX") =>
        new(message, new Dictionary<string, object?> { [LocationName] = Location, ["reason"] = reason });
}

internal enum DxfValueType
{
    String,
    Double,
    Int16,
    Int32,
    Int64,
    Bool,
    Binary,
}

/// <summary>Value types of group codes, as the binary format needs them (DXF reference, "Group Code Value Types").</summary>
internal static class DxfCodes
{
    public static DxfValueType TypeOf(int code) => code switch
    {
        >= 10 and <= 59 => DxfValueType.Double,
        >= 60 and <= 79 => DxfValueType.Int16,
        >= 90 and <= 99 => DxfValueType.Int32,
        >= 110 and <= 149 => DxfValueType.Double,
        >= 160 and <= 169 => DxfValueType.Int64,
        >= 170 and <= 179 => DxfValueType.Int16,
        >= 210 and <= 239 => DxfValueType.Double,
        >= 270 and <= 289 => DxfValueType.Int16,
        >= 290 and <= 299 => DxfValueType.Bool,
        >= 310 and <= 319 => DxfValueType.Binary,
        >= 370 and <= 389 => DxfValueType.Int16,
        >= 400 and <= 409 => DxfValueType.Int16,
        >= 420 and <= 429 => DxfValueType.Int32,
        >= 440 and <= 459 => DxfValueType.Int32,
        >= 460 and <= 469 => DxfValueType.Double,
        1004 => DxfValueType.Binary,
        >= 1010 and <= 1059 => DxfValueType.Double,
        >= 1060 and <= 1070 => DxfValueType.Int16,
        1071 => DxfValueType.Int32,
        _ => DxfValueType.String,
    };
}
