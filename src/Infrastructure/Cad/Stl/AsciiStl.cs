using System.Globalization;
using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Stl;

/// <summary>
/// ASCII STL: one or more <c>solid name … endsolid name</c> blocks of
/// <c>facet normal nx ny nz / outer loop / vertex x y z ×3 / endloop / endfacet</c>.
/// Keywords are matched case-insensitively and any whitespace separates tokens; names run to the
/// end of their line. A file that ends inside a block (no <c>endsolid</c>) is truncated and
/// rejected rather than silently shortened.
/// </summary>
internal static class AsciiStl
{
    private const int CancellationStride = 4096;

    public static bool StartsWithSolidKeyword(ReadOnlySpan<byte> bytes)
    {
        var tokens = new StlTokenizer(bytes);
        return tokens.TryNext(out var first) && first.Is("solid");
    }

    public static StlMesh Read(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        var tokens = new StlTokenizer(bytes);
        var bounds = new BoundsAccumulator();
        var shape = new ShapeSampler();
        var triangles = 0;
        var checkpoint = new WorkCheckpoint(CancellationStride, cancellationToken);
        var solids = 0;

        while (tokens.TryNext(out var token))
        {
            if (!token.Is("solid"))
            {
                throw StlTokenizer.Unexpected(token, "'solid'");
            }

            solids++;
            tokens.SkipRestOfLine();
            while (true)
            {
                token = tokens.Expect("'facet' or 'endsolid'");
                if (token.Is("endsolid"))
                {
                    tokens.SkipRestOfLine();
                    break;
                }

                if (!token.Is("facet"))
                {
                    throw StlTokenizer.Unexpected(token, "'facet' or 'endsolid'");
                }

                ReadFacet(ref tokens, bounds, shape);
                triangles++;
                checkpoint.Step();
            }
        }

        return new StlMesh(triangles, bounds.ToBox(), Binary: false, SolidBlocks: solids, shape.Summarise());
    }

    private static void ReadFacet(ref StlTokenizer tokens, BoundsAccumulator bounds, ShapeSampler shape)
    {
        var token = tokens.Expect("'normal' or 'outer'");
        if (token.Is("normal"))
        {
            // Normals are parsed for syntax only: exporters write zero or stale normals, and
            // they are not geometry.
            tokens.ExpectNumber(checkFinite: false);
            tokens.ExpectNumber(checkFinite: false);
            tokens.ExpectNumber(checkFinite: false);
            token = tokens.Expect("'outer'");
        }

        if (!token.Is("outer"))
        {
            throw StlTokenizer.Unexpected(token, "'outer'");
        }

        tokens.ExpectKeyword("loop");
        Span<double> corners = stackalloc double[9];
        for (var v = 0; v < 3; v++)
        {
            tokens.ExpectKeyword("vertex");
            var x = tokens.ExpectNumber(checkFinite: true);
            var y = tokens.ExpectNumber(checkFinite: true);
            var z = tokens.ExpectNumber(checkFinite: true);
            bounds.Include(x, y, z);
            corners[3 * v] = x;
            corners[(3 * v) + 1] = y;
            corners[(3 * v) + 2] = z;
        }

        StlShape.AddTriangle(shape, corners[0], corners[1], corners[2], corners[3], corners[4], corners[5], corners[6], corners[7], corners[8]);

        tokens.ExpectKeyword("endloop");
        tokens.ExpectKeyword("endfacet");
    }
}

/// <summary>A whitespace-separated token of an ASCII STL file and the line it starts on.</summary>
internal readonly ref struct StlToken(ReadOnlySpan<byte> text, int line)
{
    public ReadOnlySpan<byte> Text { get; } = text;

    public int Line { get; } = line;

    /// <summary>Case-insensitive comparison with an ASCII lower-case keyword.</summary>
    public bool Is(string keyword)
    {
        if (Text.Length != keyword.Length)
        {
            return false;
        }

        for (var i = 0; i < keyword.Length; i++)
        {
            if ((Text[i] | 0x20) != keyword[i])
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString()
    {
        var shown = Text.Length > 40 ? Text[..40] : Text;
        return System.Text.Encoding.Latin1.GetString(shown);
    }
}

internal ref struct StlTokenizer(ReadOnlySpan<byte> text)
{
    private readonly ReadOnlySpan<byte> _text = text;
    private int _position = SkipByteOrderMark(text);
    private int _line = 1;

    public bool TryNext(out StlToken token)
    {
        while (_position < _text.Length && IsWhitespace(_text[_position]))
        {
            if (_text[_position] == (byte)'\n')
            {
                _line++;
            }

            _position++;
        }

        if (_position >= _text.Length)
        {
            token = default;
            return false;
        }

        var start = _position;
        while (_position < _text.Length && !IsWhitespace(_text[_position]))
        {
            _position++;
        }

        token = new StlToken(_text[start.._position], _line);
        return true;
    }

    public void SkipRestOfLine()
    {
        while (_position < _text.Length && _text[_position] != (byte)'\n')
        {
            _position++;
        }
    }

    public StlToken Expect(string what)
    {
        if (!TryNext(out var token))
        {
            throw new CadReadException(
                $"The ASCII STL ends early: expected {what}.",
                new Dictionary<string, object?> { ["line"] = _line, ["expected"] = what });
        }

        return token;
    }

    public void ExpectKeyword(string keyword)
    {
        var token = Expect($"'{keyword}'");
        if (!token.Is(keyword))
        {
            throw Unexpected(token, $"'{keyword}'");
        }
    }

    public double ExpectNumber(bool checkFinite)
    {
        var token = Expect("a number");
        if (!double.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            if (!IsNonFiniteSpelling(token.Text))
            {
                throw Unexpected(token, "a number");
            }

            value = double.NaN;
        }

        if (checkFinite && !double.IsFinite(value))
        {
            throw new CadReadException(
                "The ASCII STL has a non-finite vertex coordinate.",
                new Dictionary<string, object?> { ["line"] = token.Line, ["value"] = token.ToString() },
                code: ErrorCodes.InvalidGeometry);
        }

        return value;
    }

    public static CadReadException Unexpected(StlToken token, string expected)
    {
        var found = token.ToString();
        return new CadReadException(
            $"Unexpected '{found}' in ASCII STL; expected {expected}.",
            new Dictionary<string, object?> { ["line"] = token.Line, ["found"] = found, ["expected"] = expected });
    }

    /// <summary>
    /// Spellings of NaN and infinity that .NET does not parse but C and C++ exporters print:
    /// <c>inf</c>, <c>-nan</c>, and MSVC's <c>1.#INF</c>, <c>-1.#IND</c>, <c>1.#QNAN</c>.
    /// </summary>
    private static bool IsNonFiniteSpelling(ReadOnlySpan<byte> text)
    {
        var unsigned = text.Length > 0 && text[0] is (byte)'-' or (byte)'+' ? text[1..] : text;
        return unsigned.Length is >= 3 and <= 16
            && (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "nan"u8)
                || unsigned.IndexOf("#INF"u8) >= 0 || unsigned.IndexOf("#IND"u8) >= 0 || unsigned.IndexOf("#QNAN"u8) >= 0 || unsigned.IndexOf("#SNAN"u8) >= 0);
    }

    private static int SkipByteOrderMark(ReadOnlySpan<byte> text) =>
        text.Length >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF ? 3 : 0;

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v';
}
