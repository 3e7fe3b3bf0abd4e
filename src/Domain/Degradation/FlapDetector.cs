namespace CadMl.Domain.Degradation;

/// <summary>
/// Remembers when the state toggled (degraded→restored or back) and says whether the toggles
/// inside the window have reached the threshold. A toggle counts while it is younger than the
/// window: one exactly a window old has left it.
/// </summary>
public sealed class FlapDetector(int threshold, TimeSpan window)
{
    private readonly List<DateTimeOffset> _toggles = [];

    public IReadOnlyList<DateTimeOffset> Toggles => _toggles;

    public int Threshold { get; } = threshold;

    public TimeSpan Window { get; } = window;

    public void Restore(IEnumerable<DateTimeOffset> toggles)
    {
        _toggles.Clear();
        _toggles.AddRange(toggles.Order());
    }

    /// <summary>Records a toggle at <paramref name="at"/>; true when the window now holds at least the threshold.</summary>
    public bool Record(DateTimeOffset at)
    {
        _toggles.Add(at);
        Forget(at);
        return _toggles.Count >= Threshold;
    }

    public int CountInWindow(DateTimeOffset now) => _toggles.Count(t => now - t < Window);

    /// <summary>Toggles that can no longer count are dropped, so the list stays as small as the window.</summary>
    private void Forget(DateTimeOffset now) => _toggles.RemoveAll(t => now - t >= Window);
}
