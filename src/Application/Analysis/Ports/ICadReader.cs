using CadMl.Domain.Cad;

namespace CadMl.Application.Analysis.Ports;

/// <summary>
/// Turns the bytes of one CAD file into a <see cref="CadDocument"/>. One reader per format; the
/// analysis use case picks it by file extension. Readers work on the whole buffered upload (it is
/// hashed for the cache key anyway), check the cancellation token often enough to
/// honour the parse timeout, and report input that is not valid CAD with <see cref="CadReadException"/>.
/// </summary>
public interface ICadReader
{
    CadFormat Format { get; }

    /// <summary>Lower-case extensions without the dot, e.g. <c>step</c> and <c>stp</c>.</summary>
    IReadOnlyList<string> Extensions { get; }

    CadDocument Read(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);
}
