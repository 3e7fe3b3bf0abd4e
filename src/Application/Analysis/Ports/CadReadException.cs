using CadMl.Application.Common.Problems;

namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// The input is not a readable CAD file of the claimed format. Thrown from deep inside a parser
/// (where unwinding by hand would obscure the grammar) and turned into a 422 problem at the reader
/// boundary; it never escapes a use case. <see cref="Context"/> holds facts such as the line or
/// byte offset, never server paths.
/// </summary>
public sealed class CadReadException : Exception
{
    public CadReadException(string message, IReadOnlyDictionary<string, object?>? context = null, ErrorCode? code = null)
        : base(message)
    {
        Error = code ?? ErrorCodes.ParseFailed;
        Context = context ?? new Dictionary<string, object?>();
    }

    public CadReadException()
        : this("The file could not be read.")
    {
    }

    public CadReadException(string message)
        : this(message, context: null)
    {
    }

    public CadReadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = ErrorCodes.ParseFailed;
        Context = new Dictionary<string, object?>();
    }

    public ErrorCode Error { get; }

    /// <summary>The code as it goes on the wire.</summary>
    public string Code => Error.Name;

    public IReadOnlyDictionary<string, object?> Context { get; }
}
