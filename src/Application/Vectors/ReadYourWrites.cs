using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Problems;
using CadMl.Application.Vectors.Ports;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors;

/// <summary>
/// The store generation the writes of one request produced (one instance per request scope): the
/// HTTP layer answers it in the <see cref="Header"/> header, and a client that passes it back as
/// <c>min_generation</c> to any replica reads its own writes (<see cref="GenerationGate"/>).
/// </summary>
public sealed class WrittenGeneration
{
    public const string Header = "X-Store-Generation";

    /// <summary>The highest generation produced so far; null when the request wrote no vector.</summary>
    public long? Value { get; private set; }

    public void Produced(long generation) => Value = Math.Max(Value ?? 0, generation);
}

/// <summary>
/// Read-your-writes for search and analyze: with <c>min_generation</c> the request waits (up to
/// MIN_GENERATION_WAIT_MILLISECONDS, ≤ 2 s) for this replica's index to reflect that store
/// generation, then answers 503 INDEX_LAGGING instead of a result that may miss the caller's write.
/// </summary>
internal sealed class GenerationGate(IVectorIndex index, IOptions<FleetControlOptions> options)
{
    /// <summary>Null when the index is there (or nothing was asked), else the problem to answer.</summary>
    public async Task<Problem?> WaitAsync(long? minGeneration, CancellationToken cancellationToken)
    {
        if (minGeneration is not { } wanted)
        {
            return null;
        }

        var bound = options.Value.MinGenerationWait;
        if (await index.WaitForGenerationAsync(wanted, bound, cancellationToken))
        {
            return null;
        }

        var applied = index.Facts().Generation;
        return new Problem(ErrorCodes.IndexLagging, ErrorCodes.IndexLagging.Stage,
            $"This replica's similarity index reflects store generation {applied}, not yet {wanted} (waited {bound.TotalMilliseconds:F0} ms); retry.",
            new Dictionary<string, object?> { ["wanted_generation"] = wanted, ["applied_generation"] = applied, ["waited_ms"] = (long)bound.TotalMilliseconds, ["retry_after_seconds"] = 1 });
    }
}
