using System.Text;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>
/// Generated bad input for a reader: random bytes, a valid file cut at every length, and a valid
/// file with bytes overwritten. Every one must give a document or a <see cref="CadReadException"/>
/// within <see cref="ReaderOutcome.Limit"/>; nothing else is acceptable.
/// </summary>
public static class HostileInputs
{
    public static IEnumerable<byte[]> RandomBytes(int seed, string? prefix = null)
    {
        var random = new Random(seed);
        foreach (var length in new[] { 1, 2, 7, 80, 83, 84, 85, 134, 500, 4096, 65_536 })
        {
            for (var copy = 0; copy < 4; copy++)
            {
                var content = new byte[length + (prefix?.Length ?? 0)];
                random.NextBytes(content);
                if (prefix is not null)
                {
                    Encoding.ASCII.GetBytes(prefix).CopyTo(content, 0);
                }

                yield return content;
            }
        }
    }

    /// <summary>Every proper prefix of <paramref name="content"/>, stepping by <paramref name="step"/> bytes.</summary>
    public static IEnumerable<byte[]> Truncations(byte[] content, int step = 1)
    {
        for (var length = 0; length < content.Length; length += step)
        {
            yield return content[..length];
        }
    }

    /// <summary>Copies of <paramref name="content"/> with a few bytes replaced by random ones or by syntax characters.</summary>
    public static IEnumerable<byte[]> Mutations(byte[] content, int seed, int count = 300, string alphabet = "0123456789.,;()#'=-+E \n")
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var copy = (byte[])content.Clone();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits; e++)
            {
                copy[random.Next(copy.Length)] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)alphabet[random.Next(alphabet.Length)];
            }

            yield return copy;
        }
    }

    /// <summary>Reads each input and returns how many became documents and how many were rejected.</summary>
    public static async Task<(int Documents, int Rejected)> ReadAllAsync(ICadReader reader, IEnumerable<byte[]> inputs)
    {
        var (documents, rejected) = (0, 0);
        foreach (var input in inputs)
        {
            var outcome = await ReaderOutcome.OfAsync(reader, input);
            if (outcome.Document is not null)
            {
                documents++;
            }
            else
            {
                outcome.Failure!.Code.Should().BeOneOf("PARSE_FAILED", "INVALID_GEOMETRY");
                rejected++;
            }
        }

        return (documents, rejected);
    }
}
