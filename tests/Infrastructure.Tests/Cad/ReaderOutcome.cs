using System.Diagnostics;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>What a reader made of an input: a document or a <see cref="CadReadException"/>, and how long it took.</summary>
public sealed record ReaderOutcome(CadDocument? Document, CadReadException? Failure, TimeSpan Elapsed)
{
    /// <summary>The most any input may take, hostile or not; the service's parse timeout is longer.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reads on a worker so that a hang fails the test (TimeoutException) instead of stalling the run.
    /// Any exception other than <see cref="CadReadException"/> escapes and fails the test.
    /// </summary>
    public static async Task<ReaderOutcome> OfAsync(ICadReader reader, byte[] content)
    {
        var run = Task.Run(() =>
        {
            var stopwatch = Stopwatch.StartNew();
            try
            {
                var document = reader.Read(content, CancellationToken.None);
                return new ReaderOutcome(document, null, stopwatch.Elapsed);
            }
            catch (CadReadException e)
            {
                return new ReaderOutcome(null, e, stopwatch.Elapsed);
            }
        });
        return await run.WaitAsync(Limit);
    }
}
