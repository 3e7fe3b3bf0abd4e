using System.Globalization;
using System.Runtime.CompilerServices;

namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// Number parsing straight from the file's bytes. Nearly every DXF number is a plain decimal:
/// up to 16 significant digits take an exact fast path (an integer mantissa below 2^53 divided by
/// an exactly representable power of ten is correctly rounded, Clinger 1990). Many writers emit
/// 17 digits ("6.3499999999999996"); up to 19 digits the mantissa is rounded to a double first,
/// which puts the result within one unit in the last place of the correctly rounded value
/// (relative error below 2.3e-16, far under the 1e-12 the feature contract compares with) at a
/// fraction of the framework parser's cost. Anything else (exponents, longer mantissas, "nan",
/// "inf") goes to the framework parser.
/// </summary>
internal static class DxfNumber
{
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];


    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        text = Trim(text);
        if (TryParseSimple(text, out value))
        {
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || TryParseNonFinite(text, out value);
    }

    /// <summary>C runtimes print non-finite values as "inf", "-nan", "nan(ind)"; they are numbers, just not usable ones.</summary>
    private static bool TryParseNonFinite(ReadOnlySpan<byte> text, out double value)
    {
        var negative = !text.IsEmpty && text[0] == (byte)'-';
        var body = !text.IsEmpty && (text[0] == (byte)'-' || text[0] == (byte)'+') ? text[1..] : text;
        if (System.Text.Ascii.EqualsIgnoreCase(body, "inf"u8) || System.Text.Ascii.EqualsIgnoreCase(body, "infinity"u8))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        value = double.NaN;
        return body.Length >= 3 && System.Text.Ascii.EqualsIgnoreCase(body[..3], "nan"u8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseSimple(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (s.Length == 0)
        {
            return false;
        }

        if (s[0] == (byte)'-')
        {
            negative = true;
            i = 1;
        }
        else if (s[0] == (byte)'+')
        {
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;
        var fraction = 0;
        var seenPoint = false;
        var any = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            var d = (uint)(c - '0');
            if (d <= 9)
            {
                any = true;
                if (mantissa == 0 && d == 0)
                {
                    // Leading zeros cost no precision.
                    if (seenPoint)
                    {
                        fraction++;
                    }

                    continue;
                }

                if (++digits > 19)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + d;
                if (seenPoint)
                {
                    fraction++;
                }
            }
            else if (c == (byte)'.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return false;
            }
        }

        if (!any || fraction >= PowersOfTen.Length)
        {
            return false;
        }

        double result = mantissa;
        if (fraction > 0)
        {
            result /= PowersOfTen[fraction];
        }

        value = negative ? -result : result;
        return true;
    }

    /// <summary>
    /// Integers as written by CAD tools; some write flags as "1.0", which is accepted when it is a
    /// whole number in range, as other readers do.
    /// </summary>
    public static bool TryParseInt(ReadOnlySpan<byte> text, out long value)
    {
        text = Trim(text);
        value = 0;
        if (text.Length is > 0 and <= 18)
        {
            var i = 0;
            var negative = text[0] == (byte)'-';
            if (negative || text[0] == (byte)'+')
            {
                i = 1;
            }

            if (i < text.Length)
            {
                long v = 0;
                for (; i < text.Length; i++)
                {
                    var d = (uint)(text[i] - '0');
                    if (d > 9)
                    {
                        break;
                    }

                    v = (v * 10) + d;
                }

                if (i == text.Length)
                {
                    value = negative ? -v : v;
                    return true;
                }
            }
        }

        if (TryParseDouble(text, out var d2) && d2 == Math.Floor(d2) && Math.Abs(d2) < 1e18)
        {
            value = (long)d2;
            return true;
        }

        return false;
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }

        return s[start..end];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\v' or (byte)'\f';
}
