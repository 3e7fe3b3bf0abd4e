namespace CadMl.ModelTrainer;

/// <summary>One labelled file as the classifier sees it: its features, the format its reader reported, and where it is.</summary>
internal sealed record Sample(string Label, string Format, double[] Features, string Path);

/// <summary>Held-out results: overall, per format and per class, against always answering the training majority class.</summary>
internal sealed class Evaluation(IReadOnlyList<string> classes, IReadOnlyList<Sample> test, IReadOnlyList<string> predicted, string majority)
{
    public IReadOnlyList<string> Classes { get; } = classes;

    public IReadOnlyList<Sample> Test { get; } = test;

    public IReadOnlyList<string> Predicted { get; } = predicted;

    public string Majority { get; } = majority;

    /// <summary>Formats in the order dxf, stl, step, iges, as far as the held-out set has them.</summary>
    public IReadOnlyList<string> Formats { get; } = [.. new[] { "dxf", "stl", "step", "iges" }.Where(f => test.Any(s => s.Format == f))];

    public double Accuracy => Fraction(_ => true, (s, p) => p == s.Label);

    public double Baseline => Fraction(_ => true, (s, _) => s.Label == Majority);

    public int CountOf(string format) => Test.Count(s => s.Format == format);

    public double AccuracyOf(string format) => Fraction(s => s.Format == format, (s, p) => p == s.Label);

    public double BaselineOf(string format) => Fraction(s => s.Format == format, (s, _) => s.Label == Majority);

    public int CountOf(string label, string? format) => Test.Count(s => s.Label == label && (format is null || s.Format == format));

    public double RecallOf(string label, string? format = null) => Fraction(s => s.Label == label && (format is null || s.Format == format), (s, p) => p == s.Label);

    public int Confused(string label, string predictedLabel, string? format = null) =>
        Test.Where((s, i) => s.Label == label && Predicted[i] == predictedLabel && (format is null || s.Format == format)).Count();

    private double Fraction(Func<Sample, bool> among, Func<Sample, string, bool> hit)
    {
        var rows = Test.Select((s, i) => (Sample: s, Predicted: Predicted[i])).Where(r => among(r.Sample)).ToList();
        return rows.Count == 0 ? 0 : rows.Count(r => hit(r.Sample, r.Predicted)) / (double)rows.Count;
    }
}
