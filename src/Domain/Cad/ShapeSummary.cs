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
/// <param name="Distances">Pair-weighted shares of |p − q| / RmsRadius in <see cref="ShapeSampler.DistanceBins"/> equal bins over [0, 4); the last bin takes the rest.</param>
public sealed record ShapeSummary(
    int Samples,
    double RmsRadius,
    IReadOnlyList<double> Spread,
    IReadOnlyList<double> Radial,
    IReadOnlyList<double> Distances,
    IReadOnlyList<double>? Edges = null)
{
    /// <summary>The same digest in other length units: only the radius carries a unit.</summary>
    /// <remarks>Edge lengths are relative to the radius except the median's decade phase, which turns by log10 factor.</remarks>
    public ShapeSummary Scaled(double factor)
    {
        if (Edges is not { Count: ShapeSampler.EdgeDescriptors } edges)
        {
            return this with { RmsRadius = RmsRadius * factor };
        }

        var moved = edges.ToArray();
        foreach (var at in (int[])[5, 13])
        {
            var phase = Math.Atan2(moved[at + 1], moved[at]) + (2 * Math.PI * Math.Log10(factor));
            (moved[at + 1], moved[at]) = Math.SinCos(phase);
        }

        return this with { RmsRadius = RmsRadius * factor, Edges = moved };
    }

    /// <summary>Structural equality: two digests are the same when every number is the same bit for bit.</summary>
    public bool Equals(ShapeSummary? other) =>
        other is not null
        && Samples == other.Samples
        && RmsRadius.Equals(other.RmsRadius)
        && Spread.SequenceEqual(other.Spread)
        && Radial.SequenceEqual(other.Radial)
        && Distances.SequenceEqual(other.Distances)
        && (Edges is null ? other.Edges is null : other.Edges is not null && Edges.SequenceEqual(other.Edges));

    public override int GetHashCode() => HashCode.Combine(Samples, RmsRadius);
}
