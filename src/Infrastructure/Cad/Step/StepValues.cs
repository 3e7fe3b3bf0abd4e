using System.Globalization;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// Decoding of Part 21 parameter text: splitting a list into its top-level items and reading
/// references, reals, enumerations and lists. Works on spans of the original bytes.
/// </summary>
internal static class StepValues
{
    /// <summary>The item at a zero-based position of a parameter list, or an empty span when the list is shorter.</summary>
    public static ReadOnlySpan<byte> Item(ReadOnlySpan<byte> list, int index)
    {
        var items = new StepItems(list);
        var i = 0;
        while (items.MoveNext(out var item))
        {
            if (i++ == index)
            {
                return item;
            }
        }

        return [];
    }

    public static bool TryReference(ReadOnlySpan<byte> item, out long id)
    {
        id = 0;
        if (item.Length < 2 || item[0] != (byte)'#')
        {
            return false;
        }

        for (var i = 1; i < item.Length; i++)
        {
            var d = item[i] - '0';
            if (d is < 0 or > 9 || id > (long.MaxValue / 10) - 1)
            {
                return false;
            }

            id = (id * 10) + d;
        }

        return true;
    }

    /// <summary>A real or integer, also when wrapped in a typed parameter such as <c>LENGTH_MEASURE(25.4)</c>.</summary>
    public static bool TryReal(ReadOnlySpan<byte> item, out double value)
    {
        var open = item.IndexOf((byte)'(');
        if (open > 0 && item[^1] == (byte)')')
        {
            item = Trim(item[(open + 1)..^1]);
        }

        value = 0;
        return item.Length > 0
            && item[0] is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'+' or (byte)'.'
            && double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The inside of a list item <c>(a,b,c)</c>.</summary>
    public static bool TryList(ReadOnlySpan<byte> item, out ReadOnlySpan<byte> inner)
    {
        if (item.Length >= 2 && item[0] == (byte)'(' && item[^1] == (byte)')')
        {
            inner = item[1..^1];
            return true;
        }

        inner = [];
        return false;
    }

    /// <summary>The name of an enumeration item <c>.NAME.</c>.</summary>
    public static bool TryEnumeration(ReadOnlySpan<byte> item, out ReadOnlySpan<byte> name)
    {
        if (item.Length >= 3 && item[0] == (byte)'.' && item[^1] == (byte)'.')
        {
            name = item[1..^1];
            return true;
        }

        name = [];
        return false;
    }

    /// <summary>The text of a string item, with <c>''</c> unescaped; Part 21 control directives are left as written.</summary>
    public static bool TryString(ReadOnlySpan<byte> item, out string text)
    {
        if (item.Length >= 2 && item[0] == (byte)'\'' && item[^1] == (byte)'\'')
        {
            text = System.Text.Encoding.Latin1.GetString(item[1..^1]).Replace("''", "'", StringComparison.Ordinal);
            return true;
        }

        text = string.Empty;
        return false;
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> span)
    {
        var start = 0;
        var end = span.Length;
        while (start < end && IsSpace(span[start]))
        {
            start++;
        }

        while (end > start && IsSpace(span[end - 1]))
        {
            end--;
        }

        return span[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v';
}

/// <summary>Enumerates the top-level, comma-separated items of a parameter list, trimmed.</summary>
internal ref struct StepItems(ReadOnlySpan<byte> list)
{
    private readonly ReadOnlySpan<byte> _list = list;
    private int _position;

    public bool MoveNext(out ReadOnlySpan<byte> item)
    {
        if (_position > _list.Length)
        {
            item = [];
            return false;
        }

        var start = _position;
        var depth = 0;
        var i = _position;
        for (; i < _list.Length; i++)
        {
            var b = _list[i];
            if (b == (byte)'\'')
            {
                i = SkipQuoted(i);
            }
            else if (b == (byte)'/' && i + 1 < _list.Length && _list[i + 1] == (byte)'*')
            {
                var close = _list[(i + 2)..].IndexOf("*/"u8);
                i = close < 0 ? _list.Length : i + close + 3;
            }
            else if (b == (byte)'(')
            {
                depth++;
            }
            else if (b == (byte)')')
            {
                depth--;
            }
            else if (b == (byte)',' && depth == 0)
            {
                break;
            }
        }

        _position = i + 1;
        item = StepValues.Trim(_list[start..Math.Min(i, _list.Length)]);

        // An empty list "()" has no items, but "a," would have an empty last one.
        return !(item.IsEmpty && start == 0 && i >= _list.Length);
    }

    private readonly int SkipQuoted(int open)
    {
        var i = open + 1;
        while (i < _list.Length)
        {
            if (_list[i] == (byte)'\'')
            {
                if (i + 1 < _list.Length && _list[i + 1] == (byte)'\'')
                {
                    i += 2;
                    continue;
                }

                return i;
            }

            i++;
        }

        return _list.Length;
    }
}

/// <summary>Enumerates every <c>#id</c> in parameter text, at any depth, outside strings.</summary>
internal ref struct StepReferences(ReadOnlySpan<byte> parameters)
{
    private readonly ReadOnlySpan<byte> _text = parameters;
    private int _position;

    public bool MoveNext(out long id)
    {
        while (_position < _text.Length)
        {
            var b = _text[_position++];
            if (b == (byte)'\'')
            {
                // '' inside a string reads as closing and reopening, which skips it correctly.
                var close = _text[_position..].IndexOf((byte)'\'');
                _position = close < 0 ? _text.Length : _position + close + 1;
            }
            else if (b == (byte)'#' && _position < _text.Length && _text[_position] is >= (byte)'0' and <= (byte)'9')
            {
                id = 0;
                while (_position < _text.Length && _text[_position] is >= (byte)'0' and <= (byte)'9')
                {
                    id = (id * 10) + (_text[_position++] - '0');
                }

                return true;
            }
        }

        id = 0;
        return false;
    }
}
