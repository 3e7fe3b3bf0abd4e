namespace CadMl.Infrastructure.VectorSearch;

internal static class VectorMath
{
    /// <summary>
    /// L2-normalised float32 copy: cosine similarity then equals the inner product, which both
    /// FAISS and the exact index compute. The norm is taken in double so large-magnitude slots
    /// (surface counts next to ratios) do not lose the small ones. A zero vector stays zero and
    /// scores 0 against everything rather than NaN.
    /// </summary>
    public static void Normalize(IReadOnlyList<double> values, Span<float> destination)
    {
        double sum = 0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i] * values[i];
        }

        var scale = sum > 0 ? 1.0 / Math.Sqrt(sum) : 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            destination[i] = (float)(values[i] * scale);
        }
    }

    public static float[] Normalize(IReadOnlyList<double> values)
    {
        var result = new float[values.Count];
        Normalize(values, result);
        return result;
    }
}

/// <summary>
/// The best k (score, slot) pairs seen so far, best first. k is at most a few hundred, so a
/// sorted array with insertion beats a heap: after the first rows almost every candidate loses
/// to the threshold in one comparison.
/// </summary>
internal sealed class TopK
{
    private readonly float[] _scores;
    private readonly long[] _items;

    public TopK(int k)
    {
        _scores = new float[k];
        _items = new long[k];
    }

    public int Count { get; private set; }

    public float Threshold => Count < _scores.Length ? float.NegativeInfinity : _scores[^1];

    public void Offer(float score, long item)
    {
        if (Count == _scores.Length && !(score > _scores[^1]))
        {
            return;
        }

        var position = Count < _scores.Length ? Count++ : _scores.Length - 1;
        while (position > 0 && _scores[position - 1] < score)
        {
            _scores[position] = _scores[position - 1];
            _items[position] = _items[position - 1];
            position--;
        }

        _scores[position] = score;
        _items[position] = item;
    }

    public (float Score, long Item) this[int index] => (_scores[index], _items[index]);
}
