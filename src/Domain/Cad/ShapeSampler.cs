namespace CadMl.Domain.Cad;

/// <summary>What an edge's geometry is, for the digest's edge shares.</summary>
public enum EdgeKind
{
    Straight,
    Circular,
    Other,
}

/// <summary>
/// Collects weighted points while a reader walks the geometry and reduces them to a
/// <see cref="ShapeSummary"/>. Deterministic bit for bit: points are kept by position in the
/// order they arrive (a stride that doubles whenever the buffer fills), sums run in that order,
/// and no random numbers are drawn. Rewriting a file's coordinates (rotation, mirror, scale,
/// translation) keeps the order, so the same points are kept and the digest changes only by
/// rounding.
/// </summary>
public sealed class ShapeSampler
{
    public const int RadialBins = 10;
    public const int DistanceBins = 12;
    public const double RadialRange = 3.0;
    public const double DistanceRange = 4.0;

    /// <summary>Points kept for the digest: enough for stable histograms, small enough to stay cheap on a 50 MB mesh.</summary>
    public const int Capacity = 4096;

    /// <summary>
    /// Points paired for the distance histogram: 256·255/2 ≈ 33 000 pairs, about 0.15 ms; 512
    /// points cost four times as much for no measurable gain in retrieval.
    /// </summary>
    public const int PairedPoints = 256;

    // Grows on demand: most drawings have a few hundred points, and a fixed 128 KB buffer per
    // document would be most of what parsing a small file allocates.
    private double[] _buffer = new double[64 * 4];
    private int _kept;
    private long _seen;
    private long _stride = 1;

    /// <summary>
    /// Edge descriptors: quantiles of log10(length / R), the decade phase of the median length, the
    /// kind shares, quantiles of log10(radius / R) of circular edges, the decade phase of their
    /// median radius, log10(1 + edges), then <see cref="PhaseBins"/> shares of the edges' decade phases.
    /// </summary>
    public const int EdgeDescriptors = 16 + PhaseBins;

    /// <summary>Bins over one decade of absolute edge length (a circle: 9.9 mm sits next to 1.0 mm).</summary>
    public const int PhaseBins = 10;

    /// <summary>Quantiles of the edge lengths the descriptor reports, in order.</summary>
    private static readonly double[] EdgeQuantiles = [0.1, 0.25, 0.5, 0.75, 0.9];

    // (length, radius) pairs; the radius is NaN for edges that are not circular.
    private double[] _edges = new double[128];
    private int _edgesKept;
    private long _edgesSeen;
    private long _edgeStride = 1;
    private readonly long[] _edgeKinds = new long[3];

    public long Seen => _seen;

    /// <summary>
    /// One boundary edge (STEP, IGES) or drawn curve (DXF) of the given length, in document units.
    /// Lengths are kept like points (an even spread of the stream, at most <see cref="Capacity"/>);
    /// kinds are counted in full.
    /// </summary>
    public void AddEdge(double length, EdgeKind kind, double radius = double.NaN)
    {
        if (!(length > 0) || !double.IsFinite(length))
        {
            return;
        }

        _edgeKinds[(int)kind]++;
        var position = _edgesSeen++;
        if (position % _edgeStride != 0)
        {
            return;
        }

        if (_edgesKept == Capacity)
        {
            for (var i = 0; i < Capacity / 2; i++)
            {
                _edges[2 * i] = _edges[4 * i];
                _edges[(2 * i) + 1] = _edges[(4 * i) + 1];
            }

            _edgesKept = Capacity / 2;
            _edgeStride *= 2;
            if (position % _edgeStride != 0)
            {
                return;
            }
        }

        if (2 * _edgesKept == _edges.Length)
        {
            Array.Resize(ref _edges, Math.Min(2 * Capacity, _edges.Length * 2));
        }

        _edges[2 * _edgesKept] = length;
        _edges[(2 * _edgesKept++) + 1] = radius > 0 && double.IsFinite(radius) ? radius : double.NaN;
    }

    public void Add(double x, double y, double z, double weight = 1.0)
    {
        if (!(weight > 0) || !double.IsFinite(x) || !double.IsFinite(y) || !double.IsFinite(z) || !double.IsFinite(weight))
        {
            return;
        }

        var position = _seen++;
        if (position % _stride != 0)
        {
            return;
        }

        if (_kept == Capacity)
        {
            // Keep every other point and double the stride: the kept set stays an even spread of
            // the stream, whatever its length.
            for (var i = 0; i < Capacity / 2; i++)
            {
                Array.Copy(_buffer, 8 * i, _buffer, 4 * i, 4);
            }

            _kept = Capacity / 2;
            _stride *= 2;
            if (position % _stride != 0)
            {
                return;
            }
        }

        if (4 * (_kept + 1) > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(Capacity * 4, _buffer.Length * 2));
        }

        var at = 4 * _kept++;
        _buffer[at] = x;
        _buffer[at + 1] = y;
        _buffer[at + 2] = z;
        _buffer[at + 3] = weight;
    }

    /// <summary>The digest of the kept points; null without at least two distinct points.</summary>
    public ShapeSummary? Summarise()
    {
        if (_kept < 2)
        {
            return null;
        }

        ReadOnlySpan<double> p = _buffer.AsSpan(0, 4 * _kept);
        double sw = 0, cx = 0, cy = 0, cz = 0;
        for (var i = 0; i < p.Length; i += 4)
        {
            sw += p[i + 3];
            cx += p[i + 3] * p[i];
            cy += p[i + 3] * p[i + 1];
            cz += p[i + 3] * p[i + 2];
        }

        cx /= sw;
        cy /= sw;
        cz /= sw;
        double xx = 0, yy = 0, zz = 0, xy = 0, xz = 0, yz = 0;
        for (var i = 0; i < p.Length; i += 4)
        {
            double dx = p[i] - cx, dy = p[i + 1] - cy, dz = p[i + 2] - cz, w = p[i + 3];
            xx += w * dx * dx;
            yy += w * dy * dy;
            zz += w * dz * dz;
            xy += w * dx * dy;
            xz += w * dx * dz;
            yz += w * dy * dz;
        }

        xx /= sw;
        yy /= sw;
        zz /= sw;
        xy /= sw;
        xz /= sw;
        yz /= sw;
        var meanSquare = xx + yy + zz;
        if (!(meanSquare > 0) || !double.IsFinite(meanSquare))
        {
            return null;
        }

        var radius = Math.Sqrt(meanSquare);
        var eigen = SymmetricEigenvalues(xx, yy, zz, xy, xz, yz);
        var spread = new double[3];
        for (var i = 0; i < 3; i++)
        {
            spread[i] = Math.Clamp(eigen[i] / meanSquare, 0, 1);
        }

        var radial = new double[RadialBins];
        for (var i = 0; i < p.Length; i += 4)
        {
            double dx = p[i] - cx, dy = p[i + 1] - cy, dz = p[i + 2] - cz;
            var r = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz)) / radius;
            radial[Bin(r, RadialRange, RadialBins)] += p[i + 3];
        }

        Normalise(radial);

        var distances = new double[DistanceBins];
        var stride = Math.Max(1, _kept / PairedPoints);
        for (var a = 0; a < _kept; a += stride)
        {
            var i = 4 * a;
            for (var b = a + stride; b < _kept; b += stride)
            {
                var j = 4 * b;
                double dx = p[i] - p[j], dy = p[i + 1] - p[j + 1], dz = p[i + 2] - p[j + 2];
                var d = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz)) / radius;
                distances[Bin(d, DistanceRange, DistanceBins)] += p[i + 3] * p[j + 3];
            }
        }

        Normalise(distances);
        return new ShapeSummary(_kept, radius, spread, radial, distances, EdgeSummary(radius));
    }

    /// <summary>
    /// Scale-free statistics of the edge lengths relative to the RMS radius, the decade phase of
    /// the median length (cos and sin of 2π·log10 L: unchanged when the unit changes by a power of
    /// ten, so it tells a 1.27 mm pitch from a 2.54 mm one without breaking mm/cm invariance), and
    /// the shares of straight, circular and other edges. Null without edges.
    /// </summary>
    private double[]? EdgeSummary(double radius)
    {
        if (_edgesKept == 0)
        {
            return null;
        }

        var lengths = new double[_edgesKept];
        var radii = new List<double>();
        for (var i = 0; i < _edgesKept; i++)
        {
            lengths[i] = _edges[2 * i];
            if (!double.IsNaN(_edges[(2 * i) + 1]))
            {
                radii.Add(_edges[(2 * i) + 1]);
            }
        }

        Array.Sort(lengths);
        var result = new double[EdgeDescriptors];
        for (var i = 0; i < EdgeQuantiles.Length; i++)
        {
            result[i] = Math.Log10(Quantile(lengths, EdgeQuantiles[i]) / radius);
        }

        (result[5], result[6]) = DecadePhase(Quantile(lengths, 0.5));
        double total = _edgeKinds[0] + _edgeKinds[1] + _edgeKinds[2];
        for (var k = 0; k < 3; k++)
        {
            result[7 + k] = _edgeKinds[k] / total;
        }

        // Without circular edges their radii say nothing: the part's own radius stands in (ratio 1, its phase).
        var sortedRadii = radii.Count > 0 ? radii.Order().ToArray() : [radius];
        result[10] = Math.Log10(Quantile(sortedRadii, 0.25) / radius);
        result[11] = Math.Log10(Quantile(sortedRadii, 0.5) / radius);
        result[12] = Math.Log10(Quantile(sortedRadii, 0.75) / radius);
        (result[13], result[14]) = DecadePhase(Quantile(sortedRadii, 0.5));
        result[15] = Math.Log10(1 + total);

        // Where the edge lengths sit within their decade: the repeated dimensions of a family
        // (a pin's width, a pitch) in a form a mm/cm/m change leaves alone. Each length is shared
        // between its two nearest bin centres, so a length on a bin boundary cannot jump on rounding.
        var phases = result.AsSpan(16, PhaseBins);
        for (var i = 0; i < _edgesKept; i++)
        {
            var phase = Math.Log10(_edges[2 * i]);
            phase = (phase - Math.Floor(phase)) * PhaseBins;
            var low = (int)Math.Floor(phase);
            var share = phase - low;
            phases[low % PhaseBins] += 1 - share;
            phases[(low + 1) % PhaseBins] += share;
        }

        for (var i = 0; i < PhaseBins; i++)
        {
            phases[i] /= _edgesKept;
        }
        return result;
    }

    private static double Quantile(double[] sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];

    /// <summary>cos and sin of 2π·log10 length: where a length sits within its decade, the same in mm, cm and m.</summary>
    public static (double Cos, double Sin) DecadePhase(double length)
    {
        var (sin, cos) = Math.SinCos(2 * Math.PI * Math.Log10(length));
        return (cos, sin);
    }

    private static int Bin(double value, double range, int bins) =>
        value >= range ? bins - 1 : Math.Max(0, (int)(value / range * bins));

    private static void Normalise(double[] histogram)
    {
        double total = 0;
        foreach (var v in histogram)
        {
            total += v;
        }

        if (total > 0)
        {
            for (var i = 0; i < histogram.Length; i++)
            {
                histogram[i] /= total;
            }
        }
    }

    /// <summary>
    /// Eigenvalues of a symmetric 3×3 matrix, largest first, by the closed trigonometric form
    /// (Smith 1961): no iteration, so the same input always takes the same operations.
    /// </summary>
    public static double[] SymmetricEigenvalues(double a11, double a22, double a33, double a12, double a13, double a23)
    {
        var p1 = (a12 * a12) + (a13 * a13) + (a23 * a23);
        double e1, e2, e3;
        if (p1 <= 1e-30 * ((a11 * a11) + (a22 * a22) + (a33 * a33)))
        {
            e1 = a11;
            e2 = a22;
            e3 = a33;
        }
        else
        {
            var q = (a11 + a22 + a33) / 3;
            var p2 = ((a11 - q) * (a11 - q)) + ((a22 - q) * (a22 - q)) + ((a33 - q) * (a33 - q)) + (2 * p1);
            var p = Math.Sqrt(p2 / 6);
            double b11 = (a11 - q) / p, b22 = (a22 - q) / p, b33 = (a33 - q) / p, b12 = a12 / p, b13 = a13 / p, b23 = a23 / p;
            var det = (b11 * ((b22 * b33) - (b23 * b23))) - (b12 * ((b12 * b33) - (b23 * b13))) + (b13 * ((b12 * b23) - (b22 * b13)));
            var r = Math.Clamp(det / 2, -1, 1);
            var phi = Math.Acos(r) / 3;
            e1 = q + (2 * p * Math.Cos(phi));
            e3 = q + (2 * p * Math.Cos(phi + (2 * Math.PI / 3)));
            e2 = (3 * q) - e1 - e3;
        }

        double[] values = [e1, e2, e3];
        Array.Sort(values);
        Array.Reverse(values);
        return values;
    }
}
