namespace CadMl.Domain.Cad;

/// <summary>
/// A compact, rigid-motion and scale invariant digest of a part's geometry, computed by the reader
/// from a deterministic sample of weighted points (triangle centroids weighted by area, B-rep
/// vertices and curve samples, drawing vertices and arc samples). It is what feature v5 needs and
/// it is stored with each analysis (about 30 numbers), so v5 can be recomputed without the file.
/// </summary>
/// <param name="Samples">Weighted points the digest was computed from (after decimation).</param>
/// <param name="RmsRadius">√(Σw·|p − c|² / Σw) about the weighted centroid c, in document units (mm for STEP).</param>
/// <param name="Spread">The weighted covariance eigenvalues λ1 ≥ λ2 ≥ λ3 divided by RmsRadius² (they sum to 1).</param>
/// <param name="Radial">Weighted shares of |p − c| / RmsRadius in <see cref="ShapeSampler.RadialBins"/> equal bins over [0, 3); the last bin takes the rest.</param>
/// <param name="Edges">Edge-length descriptors (<see cref="ShapeSampler.EdgeDescriptors"/> numbers, see <c>ShapeSampler.EdgeSummary</c>); null for digests stored before they existed or without edges.</param>
/// <param name="Strokes">Stroke descriptors of a drawing's straight edges (<see cref="ShapeSampler.StrokeDescriptors"/> numbers, see <c>ShapeSampler.StrokeSummary</c>); scale-free; null for digests stored before they existed and for formats that give no strokes.</param>
/// <param name="Distances">Pair-weighted shares of |p − q| / RmsRadius in <see cref="ShapeSampler.DistanceBins"/> equal bins over [0, 4); the last bin takes the rest.</param>
public sealed record ShapeSummary(
    int Samples,
    double RmsRadius,
    IReadOnlyList<double> Spread,
    IReadOnlyList<double> Radial,
    IReadOnlyList<double> Distances,
    IReadOnlyList<double>? Edges = null,
    IReadOnlyList<double>? Strokes = null)
{
    /// <summary>
    /// The same digest in other length units: only the radius and the edges' decade phases carry a
    /// unit. A power of ten leaves the phases alone; any other factor would need the edge lengths
    /// themselves (the phase histogram cannot be turned by a fraction of a bin exactly), so the
    /// edge descriptors are dropped and v5's edge slots read 0, the population mean.
    /// </summary>
    public ShapeSummary Scaled(double factor)
    {
        var decades = Math.Log10(factor);
        return this with { RmsRadius = RmsRadius * factor, Edges = Edges is null || decades == Math.Round(decades) ? Edges : null };
    }

    /// <summary>Structural equality: two digests are the same when every number is the same bit for bit.</summary>
    public bool Equals(ShapeSummary? other) =>
        other is not null
        && Samples == other.Samples
        && RmsRadius.Equals(other.RmsRadius)
        && Spread.SequenceEqual(other.Spread)
        && Radial.SequenceEqual(other.Radial)
        && Distances.SequenceEqual(other.Distances)
        && (Edges is null ? other.Edges is null : other.Edges is not null && Edges.SequenceEqual(other.Edges))
        && (Strokes is null ? other.Strokes is null : other.Strokes is not null && Strokes.SequenceEqual(other.Strokes));

    public override int GetHashCode() => HashCode.Combine(Samples, RmsRadius);
}
