using System.Collections.Concurrent;

namespace CadMl.Application.Vectors.Ports;

/// <summary>
/// Who still needs which part of the change log. Each holder (the saved index snapshot today,
/// replicas later) declares the generation it reflects; the log may be trimmed through the
/// smallest one, never further, because a holder older than the trimmed point must rebuild.
/// </summary>
public sealed class VectorChangeRetention
{
    private readonly ConcurrentDictionary<string, long> _holders = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="holder"/> reflects the store up to <paramref name="generation"/>.</summary>
    public void Hold(string holder, long generation) => _holders[holder] = generation;

    public void Release(string holder) => _holders.TryRemove(holder, out _);

    /// <summary>The generation the log may be trimmed through; null while nobody has declared one.</summary>
    public long? TrimmableThrough => _holders.IsEmpty ? null : _holders.Values.Min();
}
