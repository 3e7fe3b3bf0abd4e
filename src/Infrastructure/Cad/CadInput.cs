using System.Numerics;
using CadMl.Application.Analysis.Ports;

namespace CadMl.Infrastructure.Cad;

/// <summary>
/// The checks every CAD reader makes on its input before and while it reads: one place, so the
/// readers cannot drift apart in what they refuse or in how often they look at the parse budget.
/// </summary>
internal static class CadInput
{
    /// <summary>Refuses an empty file with the reader's own wording ("The STEP file is empty.").</summary>
    public static void RequireContent(ReadOnlySpan<byte> content, string formatName)
    {
        if (content.IsEmpty)
        {
            throw new CadReadException($"The {formatName} file is empty.");
        }
    }
}

/// <summary>
/// Looks at the parse budget's cancellation every <c>interval</c> steps of a loop whose step is
/// cheap (a tag, a record, a point): often enough that a budget overrun ends a parse within
/// milliseconds, rarely enough that the check costs nothing measurable. The interval is a power
/// of two so the test is a mask, not a division.
/// </summary>
internal struct WorkCheckpoint
{
    private readonly CancellationToken _cancellationToken;
    private readonly uint _mask;
    private uint _steps;

    public WorkCheckpoint(int interval, CancellationToken cancellationToken)
    {
        if (interval <= 0 || !BitOperations.IsPow2(interval))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval must be a positive power of two.");
        }

        _cancellationToken = cancellationToken;
        _mask = (uint)interval - 1;
        _steps = 0;
    }

    public void Step()
    {
        if ((++_steps & _mask) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
