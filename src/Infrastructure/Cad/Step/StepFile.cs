using System.Runtime.InteropServices;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// An index over the DATA section of an ISO 10303-21 exchange structure: one entry per instance
/// (<c>#id = TYPE(params);</c> or the complex form <c>#id = (A(..) B(..));</c>) holding its id,
/// its type names and the byte ranges of their parameters. Parameters are decoded later, only
/// for the instances the reader looks at, straight from the input bytes.
/// </summary>
/// <remarks>
/// Every reference is checked against the defined ids while indexing: a dangling reference means
/// the exchange structure is broken, whatever the referencing instance is.
/// </remarks>
internal sealed class StepFile
{
    private const int CancellationStride = 4096;

    private readonly byte[] _text;
    private readonly List<string> _typeNames = [];
    private readonly Dictionary<string, int> _typeCodes = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _sparseIndexById = [];
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _typeLookup;
    private readonly int _denseLimit;

    // Exporters number instances 1..n; those ids index this array directly (record + 1, 0 = free).
    // Ids beyond what the file could hold go to the dictionary, so a hostile '#999999999' costs
    // no memory.
    private int[] _denseIndexById = new int[1024];

    private long[] _ids = new long[1024];
    private int[] _firstPart = new int[1024];
    private int[] _partCount = new int[1024];
    private bool[] _complex = new bool[1024];
    private int[] _partType = new int[1024];
    private int[] _partStart = new int[1024];
    private int[] _partEnd = new int[1024];
    private int _parts;

    private long[] _refTargets = new long[4096];
    private int[] _refSources = new int[4096];
    private int _refs;

    private StepFile(byte[] text)
    {
        _text = text;
        _typeLookup = _typeCodes.GetAlternateLookup<ReadOnlySpan<char>>();
        _denseLimit = Math.Max(1024, text.Length / 4);
    }

    public int Count { get; private set; }

    /// <summary>The number of distinct type names; type codes run from 0 to this value − 1.</summary>
    public int TypeCount => _typeNames.Count;

    /// <summary>The first schema name of FILE_SCHEMA, or null when the header has none.</summary>
    public string? Schema { get; private set; }

    public static StepFile Parse(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // The index slices spans from an array field; the upload's own array is used when it is
        // exactly the content (the usual case), otherwise the content is copied once. The index
        // lives only for one Read, so it never outlives the caller's buffer.
        var text = MemoryMarshal.TryGetArray(content, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : content.ToArray();
        var file = new StepFile(text);
        file.ParseExchangeStructure(cancellationToken);
        file.CheckReferences();
        return file;
    }

    public long IdOf(int record) => _ids[record];

    public int IndexOf(long id) => TryIndexOf(id, out var record)
        ? record
        : throw new CadReadException($"Reference to #{id}, which is not defined.", new Dictionary<string, object?> { ["reference"] = $"#{id}" });

    /// <summary>The code of a type name, or -1 when no instance in the file has that type.</summary>
    public int TypeCode(string name) => _typeCodes.TryGetValue(name, out var code) ? code : -1;

    public string TypeName(int code) => _typeNames[code];

    public int PartCount(int record) => _partCount[record];

    /// <summary>
    /// True for the <c>(A(..) B(..))</c> form, whose parts carry only their own attributes; a simple
    /// instance lists inherited attributes first.
    /// </summary>
    public bool IsComplex(int record) => _complex[record];

    public int PartType(int record, int part) => _partType[_firstPart[record] + part];

    /// <summary>The parameter text of one part, without its parentheses.</summary>
    public ReadOnlySpan<byte> PartParameters(int record, int part)
    {
        var p = _firstPart[record] + part;
        return _text.AsSpan(_partStart[p], _partEnd[p] - _partStart[p]);
    }

    /// <summary>The index of the part with the given type code, or -1.</summary>
    public int FindPart(int record, int typeCode)
    {
        if (typeCode < 0)
        {
            return -1;
        }

        var first = _firstPart[record];
        for (var i = 0; i < _partCount[record]; i++)
        {
            if (_partType[first + i] == typeCode)
            {
                return i;
            }
        }

        return -1;
    }

    public bool HasType(int record, int typeCode) => FindPart(record, typeCode) >= 0;

    public CadReadException Error(int record, string message) => new(
        message,
        new Dictionary<string, object?> { ["instance"] = $"#{_ids[record]}" });

    private void ParseExchangeStructure(CancellationToken cancellationToken)
    {
        // Editors on Windows may prepend a UTF-8 byte order mark; it is not part of the syntax.
        var lexer = new StepLexer(_text, _text.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
        if (!lexer.TryKeyword(out var magic) || !magic.SequenceEqual("ISO-10303-21"u8) || !lexer.TrySkipSymbol((byte)';'))
        {
            throw new CadReadException("Not an ISO 10303-21 (STEP) file: it does not start with 'ISO-10303-21;'.");
        }

        var sawData = false;
        while (true)
        {
            if (!lexer.TryKeyword(out var keyword))
            {
                throw lexer.Failure(lexer.AtEnd
                    ? "The STEP file ends before 'END-ISO-10303-21;' (truncated?)."
                    : "Expected a section keyword (HEADER, DATA, ENDSEC or END-ISO-10303-21).");
            }

            if (keyword.SequenceEqual("END-ISO-10303-21"u8))
            {
                lexer.ExpectSymbol((byte)';');
                break;
            }

            if (keyword.SequenceEqual("DATA"u8))
            {
                // Edition 3 allows DATA('name', ('schema')); the parameters do not matter here.
                if (lexer.TrySkipSymbol((byte)'('))
                {
                    lexer.SkipParameters(null);
                }

                lexer.ExpectSymbol((byte)';');
                ParseData(ref lexer, cancellationToken);
                sawData = true;
            }
            else
            {
                ParseOtherSection(ref lexer, keyword.SequenceEqual("HEADER"u8));
            }
        }

        if (!sawData)
        {
            throw new CadReadException("The STEP file has no DATA section.");
        }
    }

    private void ParseOtherSection(ref StepLexer lexer, bool header)
    {
        lexer.ExpectSymbol((byte)';');
        while (true)
        {
            if (!lexer.TryKeyword(out var name))
            {
                throw lexer.Failure(lexer.AtEnd ? "The STEP file ends inside a section (truncated?)." : "Expected a header entity or ENDSEC.");
            }

            if (name.SequenceEqual("ENDSEC"u8))
            {
                lexer.ExpectSymbol((byte)';');
                return;
            }

            lexer.ExpectSymbol((byte)'(');
            var start = lexer.Position;
            lexer.SkipParameters(null);
            var end = lexer.Position - 1;
            lexer.ExpectSymbol((byte)';');
            if (header && Schema is null && name.SequenceEqual("FILE_SCHEMA"u8))
            {
                Schema = FirstString(_text.AsSpan(start, end - start));
            }
        }
    }

    private static string? FirstString(ReadOnlySpan<byte> parameters)
    {
        var open = parameters.IndexOf((byte)'\'');
        if (open < 0)
        {
            return null;
        }

        var close = parameters[(open + 1)..].IndexOf((byte)'\'');
        return close < 0 ? null : System.Text.Encoding.Latin1.GetString(parameters.Slice(open + 1, close)).Trim();
    }

    private void ParseData(ref StepLexer lexer, CancellationToken cancellationToken)
    {
        var checkpoint = new WorkCheckpoint(CancellationStride, cancellationToken);
        while (true)
        {
            checkpoint.Step();

            lexer.SkipTrivia();
            if (lexer.AtEnd)
            {
                throw lexer.Failure("The STEP file ends inside the DATA section (truncated?).");
            }

            if (lexer.Current != (byte)'#')
            {
                if (lexer.TryKeyword(out var keyword) && keyword.SequenceEqual("ENDSEC"u8))
                {
                    lexer.ExpectSymbol((byte)';');
                    return;
                }

                throw lexer.Failure("Expected an entity instance '#id = ...;' or ENDSEC in the DATA section.");
            }

            lexer.Advance();
            var id = lexer.ExpectInteger();
            lexer.ExpectSymbol((byte)'=');
            var record = AddRecord(id, lexer.Position);
            lexer.SkipTrivia();
            if (lexer.AtEnd)
            {
                throw lexer.Failure("The STEP file ends inside an instance (truncated?).");
            }

            if (lexer.Current == (byte)'(')
            {
                lexer.Advance();
                _complex[record] = true;
                while (!lexer.TrySkipSymbol((byte)')'))
                {
                    AddPart(ref lexer, record);
                }

                if (_partCount[record] == 0)
                {
                    throw lexer.Failure($"Complex instance #{id} has no parts.");
                }
            }
            else
            {
                AddPart(ref lexer, record);
            }

            lexer.ExpectSymbol((byte)';');
        }
    }

    private int AddRecord(long id, int position)
    {
        var record = Count;
        if (!TryAddId(id, record))
        {
            throw new CadReadException(
                $"Instance #{id} is defined twice.",
                new Dictionary<string, object?> { ["instance"] = $"#{id}", ["offset"] = position });
        }

        if (record == _ids.Length)
        {
            Array.Resize(ref _ids, record * 2);
            Array.Resize(ref _firstPart, record * 2);
            Array.Resize(ref _partCount, record * 2);
            Array.Resize(ref _complex, record * 2);
        }

        _ids[record] = id;
        _firstPart[record] = _parts;
        _partCount[record] = 0;
        _complex[record] = false;
        Count++;
        return record;
    }

    private bool TryIndexOf(long id, out int record)
    {
        if (id < _denseIndexById.Length)
        {
            record = _denseIndexById[id] - 1;
            return record >= 0;
        }

        return _sparseIndexById.TryGetValue(id, out record);
    }

    private bool TryAddId(long id, int record)
    {
        if (id < _denseLimit)
        {
            if (id >= _denseIndexById.Length)
            {
                Array.Resize(ref _denseIndexById, (int)Math.Min(_denseLimit, Math.Max(id + 1, 2L * _denseIndexById.Length)));
            }

            if (_denseIndexById[id] != 0)
            {
                return false;
            }

            _denseIndexById[id] = record + 1;
            return true;
        }

        return _sparseIndexById.TryAdd(id, record);
    }

    private void AddPart(ref StepLexer lexer, int record)
    {
        if (!lexer.TryKeyword(out var name))
        {
            throw lexer.Failure($"Expected an entity type name in instance #{_ids[record]}.");
        }

        lexer.ExpectSymbol((byte)'(');
        var start = lexer.Position;
        var referencesBefore = _refs;
        lexer.SkipParameters(this);
        for (var i = referencesBefore; i < _refs; i++)
        {
            _refSources[i] = record;
        }

        if (_parts == _partType.Length)
        {
            Array.Resize(ref _partType, _parts * 2);
            Array.Resize(ref _partStart, _parts * 2);
            Array.Resize(ref _partEnd, _parts * 2);
        }

        _partType[_parts] = Intern(name);
        _partStart[_parts] = start;
        _partEnd[_parts] = lexer.Position - 1;
        _parts++;
        _partCount[record]++;
    }

    internal void AddReference(long target)
    {
        if (_refs == _refTargets.Length)
        {
            Array.Resize(ref _refTargets, _refs * 2);
            Array.Resize(ref _refSources, _refs * 2);
        }

        _refTargets[_refs++] = target;
    }

    private int Intern(ReadOnlySpan<byte> name)
    {
        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            var c = (char)name[i];
            buffer[i] = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
        }

        if (_typeLookup.TryGetValue(buffer, out var code))
        {
            return code;
        }

        code = _typeNames.Count;
        var text = new string(buffer);
        _typeNames.Add(text);
        _typeCodes.Add(text, code);
        return code;
    }

    private void CheckReferences()
    {
        for (var i = 0; i < _refs; i++)
        {
            if (!TryIndexOf(_refTargets[i], out _))
            {
                throw new CadReadException(
                    $"Instance #{_ids[_refSources[i]]} references #{_refTargets[i]}, which is not defined (dangling reference).",
                    new Dictionary<string, object?>
                    {
                        ["instance"] = $"#{_ids[_refSources[i]]}",
                        ["reference"] = $"#{_refTargets[i]}",
                    });
            }
        }
    }

    /// <summary>Token-level scanning of Part 21 text: whitespace, comments, keywords, strings.</summary>
    internal ref struct StepLexer(ReadOnlySpan<byte> text, int position)
    {
        private readonly ReadOnlySpan<byte> _text = text;

        public int Position { get; private set; } = position;

        public readonly bool AtEnd => Position >= _text.Length;

        public readonly byte Current => _text[Position];

        public void Advance() => Position++;

        public void SkipTrivia()
        {
            while (Position < _text.Length)
            {
                var b = _text[Position];
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\f' or (byte)'\v')
                {
                    Position++;
                }
                else if (b == (byte)'/' && Position + 1 < _text.Length && _text[Position + 1] == (byte)'*')
                {
                    SkipComment();
                }
                else
                {
                    return;
                }
            }
        }

        public bool TryKeyword(out ReadOnlySpan<byte> keyword)
        {
            SkipTrivia();
            var start = Position;
            while (Position < _text.Length && IsKeywordByte(_text[Position], Position == start))
            {
                Position++;
            }

            keyword = _text[start..Position];
            return !keyword.IsEmpty;
        }

        public bool TrySkipSymbol(byte symbol)
        {
            SkipTrivia();
            if (Position < _text.Length && _text[Position] == symbol)
            {
                Position++;
                return true;
            }

            return false;
        }

        public void ExpectSymbol(byte symbol)
        {
            if (!TrySkipSymbol(symbol))
            {
                throw Failure(AtEnd
                    ? $"The STEP file ends where '{(char)symbol}' was expected (truncated?)."
                    : $"Expected '{(char)symbol}'.");
            }
        }

        public long ExpectInteger()
        {
            var start = Position;
            long value = 0;
            while (Position < _text.Length && _text[Position] is >= (byte)'0' and <= (byte)'9')
            {
                if (value > (long.MaxValue / 10) - 1)
                {
                    throw Failure("Instance id is too large.");
                }

                value = (value * 10) + (_text[Position] - '0');
                Position++;
            }

            if (Position == start)
            {
                throw Failure("Expected an instance id after '#'.");
            }

            return value;
        }

        /// <summary>
        /// Skips to just past the ')' that closes an already opened parameter list, passing over
        /// strings, binaries, comments and nested lists; references are reported to the index.
        /// </summary>
        public void SkipParameters(StepFile? references)
        {
            // A plain loop beats a vectorised search here: in instance text every few bytes is
            // one of the special characters.
            var depth = 1;
            var text = _text;
            var position = Position;
            while (position < text.Length)
            {
                var b = text[position];
                if (!IsParameterSpecial(b))
                {
                    position++;
                    continue;
                }

                Position = position;
                switch (b)
                {
                    case (byte)'\'':
                        SkipString();
                        break;
                    case (byte)'"':
                        var close = text[(position + 1)..].IndexOf((byte)'"');
                        if (close < 0)
                        {
                            throw Failure("Unterminated binary literal.");
                        }

                        Position = position + close + 2;
                        break;
                    case (byte)'/':
                        if (position + 1 < text.Length && text[position + 1] == (byte)'*')
                        {
                            SkipComment();
                        }
                        else
                        {
                            Position++;
                        }

                        break;
                    case (byte)'(':
                        depth++;
                        Position++;
                        break;
                    case (byte)')':
                        Position++;
                        if (--depth == 0)
                        {
                            return;
                        }

                        break;
                    case (byte)'#':
                        Position++;
                        if (references is not null && Position < text.Length && text[Position] is >= (byte)'0' and <= (byte)'9')
                        {
                            references.AddReference(ExpectInteger());
                        }

                        break;
                    default:
                        throw Failure("Unexpected ';' inside a parameter list (unbalanced parentheses).");
                }

                position = Position;
            }

            Position = text.Length;
            throw Failure("The STEP file ends inside a parameter list (truncated?).");
        }

        private static bool IsParameterSpecial(byte b) => b is (byte)'\'' or (byte)'"' or (byte)'/' or (byte)'(' or (byte)')' or (byte)'#' or (byte)';';

        public readonly CadReadException Failure(string message)
        {
            var line = 1 + _text[..Math.Min(Position, _text.Length)].Count((byte)'\n');
            return new CadReadException(message, new Dictionary<string, object?> { ["line"] = line, ["offset"] = Position });
        }

        private void SkipString()
        {
            Position++;
            while (true)
            {
                var close = _text[Position..].IndexOf((byte)'\'');
                if (close < 0)
                {
                    Position = _text.Length;
                    throw Failure("Unterminated string (truncated?).");
                }

                Position += close + 1;
                if (Position < _text.Length && _text[Position] == (byte)'\'')
                {
                    Position++;
                    continue;
                }

                return;
            }
        }

        private void SkipComment()
        {
            var close = _text[(Position + 2)..].IndexOf("*/"u8);
            if (close < 0)
            {
                Position = _text.Length;
                throw Failure("Unterminated comment (truncated?).");
            }

            Position += close + 4;
        }

        private static bool IsKeywordByte(byte b, bool first) =>
            b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (byte)'_' or (byte)'!'
            || (!first && b is (>= (byte)'0' and <= (byte)'9') or (byte)'-');
    }
}
