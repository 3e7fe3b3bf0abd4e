namespace CadMl.Evaluate;

/// <summary>Cosine retrieval over L2-normalised vectors, as the service's index scores them.</summary>
public static class Retrieval
{
    public static float[] Normalise(IReadOnlyList<double> values)
    {
        double sum = 0;
        foreach (var v in values)
        {
            sum += v * v;
        }

        var scale = sum > 0 ? 1 / Math.Sqrt(sum) : 0;
        return [.. values.Select(v => (float)(v * scale))];
    }

    public static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>Indices of the database ranked by score against the query, best first, ties by index; <paramref name="skip"/> left out.</summary>
    public static int[] Rank(float[] query, IReadOnlyList<float[]> database, int skip = -1)
    {
        var scored = new List<(double Score, int Index)>(database.Count);
        for (var i = 0; i < database.Count; i++)
        {
            if (i != skip)
            {
                scored.Add((Dot(query, database[i]), i));
            }
        }

        scored.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Index.CompareTo(y.Index));
        return [.. scored.Select(s => s.Index)];
    }

    /// <summary>P@1, P@k and AP@k of one ranking (AP normalised by min(k, relevant items available)).</summary>
    public static (double P1, double Pk, double APk) Score(int[] ranking, Func<int, bool> relevant, int available, int k = 10)
    {
        double hits = 0, ap = 0;
        var n = Math.Min(k, ranking.Length);
        for (var i = 0; i < n; i++)
        {
            if (relevant(ranking[i]))
            {
                hits++;
                ap += hits / (i + 1);
            }
        }

        var p1 = ranking.Length > 0 && relevant(ranking[0]) ? 1 : 0;
        var denominator = Math.Min(k, available);
        return (p1, hits / k, denominator > 0 ? ap / denominator : 0);
    }

    public static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
