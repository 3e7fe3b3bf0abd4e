using System.Collections;
using System.Runtime.InteropServices;

namespace CadMl.Domain.Cad;

public readonly record struct NamedCount(string Name, int Count);

/// <summary>
/// Counts by name that remember the order in which names were first seen. The order is part of
/// the feature contract: ties in the top-kind frequencies and the entropy sum follow it.
/// </summary>
public sealed class CountTable : IReadOnlyList<NamedCount>
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<NamedCount> _entries = [];

    public CountTable()
    {
    }

    public CountTable(IEnumerable<NamedCount> counts)
    {
        foreach (var (name, count) in counts)
        {
            Add(name, count);
        }
    }

    public int Count => _entries.Count;

    /// <summary>Sum of all counts.</summary>
    public long Total { get; private set; }

    public NamedCount this[int index] => _entries[index];

    public int this[string name] => _index.TryGetValue(name, out var i) ? _entries[i].Count : 0;

    public void Add(string name, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, name, out var exists);
        if (exists)
        {
            var entry = _entries[slot];
            _entries[slot] = entry with { Count = checked(entry.Count + count) };
        }
        else
        {
            slot = _entries.Count;
            _entries.Add(new NamedCount(name, count));
        }

        Total += count;
    }

    public IEnumerator<NamedCount> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
