namespace CadMl.Domain.Features;

/// <summary>A feature vector and the layout it follows. Its length always equals the version's dimension.</summary>
public sealed record FeatureVector
{
    private FeatureVector(FeatureVersion version, double[] values)
    {
        Version = version;
        Values = values;
    }

    public FeatureVersion Version { get; }

    public IReadOnlyList<double> Values { get; }

    /// <summary>
    /// Accepts <paramref name="values"/> only when their count matches <paramref name="version"/>:
    /// a vector of the wrong length is an error, never guessed or padded silently.
    /// </summary>
    public static bool TryCreate(FeatureVersion version, IReadOnlyList<double> values, out FeatureVector? vector)
    {
        if (values.Count != version.Dimension())
        {
            vector = null;
            return false;
        }

        vector = new FeatureVector(version, [.. values]);
        return true;
    }

    internal static FeatureVector Wrap(FeatureVersion version, double[] values) => new(version, values);

    /// <summary>
    /// Moves the vector to another layout: upgrading appends 0.0 for the new slots, downgrading
    /// truncates. Only for vectors without a source document; with one, re-extract instead.
    /// </summary>
    public FeatureVector ConvertTo(FeatureVersion target)
    {
        var values = new double[target.Dimension()];
        var kept = Math.Min(values.Length, Values.Count);
        for (var i = 0; i < kept; i++)
        {
            values[i] = Values[i];
        }

        return new FeatureVector(target, values);
    }

    public bool Equals(FeatureVector? other) =>
        other is not null && other.Version == Version && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Version, Values.Count);
}
