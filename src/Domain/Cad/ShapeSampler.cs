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

    /// <summary>
    /// Stroke descriptors of a drawing's straight edges (<see cref="StrokeSummary"/>): the pair
    /// angle histogram (<see cref="AngleBins"/>), the angle to the centroid (<see cref="RadialAngleBins"/>)
    /// and the endpoint degree shares (free end, chain, junction).
    /// </summary>
    public const int StrokeDescriptors = AngleBins + RadialAngleBins + 3 + 2 + ParallelBins + SpanBins + CornerBins;

    /// <summary>Bin centres 0°, 30°, …, 180° of the angle at a point where two strokes meet.</summary>
    public const int CornerBins = 7;

    /// <summary>Bins of the distance between parallel strokes relative to R.</summary>
    public const int ParallelBins = 4;

    /// <summary>Bin centres 0, ½ and 1 turn of arc spans.</summary>
    public const int SpanBins = 3;



    // Arc span shares (unnormalised) and arcs counted.
    private readonly double[] _spans = new double[SpanBins];
    private long _arcs;

    /// <summary>Bin centres 0°, 15°, …, 90° of the angle between two strokes: grid drawings sit on 0°, 45° and 90°.</summary>
    public const int AngleBins = 7;

    /// <summary>Bin centres 0°, 30°, 60°, 90° of the angle between a stroke and the line from the centroid to its midpoint.</summary>
    public const int RadialAngleBins = 4;

    /// <summary>Strokes paired for the angle histogram, as for the distance histogram.</summary>
    public const int PairedStrokes = 256;

    /// <summary>Endpoints closer than this share of R are one point when counting how many strokes meet there.</summary>
    public const double JoinTolerance = 1e-6;

    // Strokes (straight edges with their end points: ax, ay, az, bx, by, bz), kept like edges.
    private double[] _strokes = new double[6 * 32];
    private int _strokesKept;
    private long _strokesSeen;
    private long _strokeStride = 1;

    public long Seen => _seen;

    /// <summary>
    /// One straight stroke of a drawing from a to b (document units). Strokes are kept like edges
    /// (an even spread of the stream, at most <see cref="Capacity"/>); a reader that gives strokes
    /// also gives their lengths through <see cref="AddEdge"/>.
    /// </summary>
    public void AddStroke(double ax, double ay, double az, double bx, double by, double bz)
    {
        double dx = bx - ax, dy = by - ay, dz = bz - az;
        var length = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
        if (!(length > 0) || !double.IsFinite(length))
        {
            return;
        }

        Keep(ref _strokes, ref _strokesKept, ref _strokesSeen, ref _strokeStride, [ax, ay, az, bx, by, bz]);
    }

    /// <summary>One drawn arc (a circle is 2π): counted in full into the span shares.</summary>
    public void AddArc(double span)
    {
        if (!(span > 0) || !double.IsFinite(span))
        {
            return;
        }

        _arcs++;
        Share(_spans, span / (2 * Math.PI), 1);
    }

    /// <summary>
    /// Appends an item to a kept stream: at most <see cref="Capacity"/> items, an even spread of the
    /// stream (when full, every other item is dropped and the stride doubles).
    /// </summary>
    private static void Keep(ref double[] buffer, ref int kept, ref long seen, ref long stride, ReadOnlySpan<double> item)
    {
        var size = item.Length;
        var position = seen++;
        if (position % stride != 0)
        {
            return;
        }

        if (kept == Capacity)
        {
            for (var i = 0; i < Capacity / 2; i++)
            {
                Array.Copy(buffer, 2 * size * i, buffer, size * i, size);
            }

            kept = Capacity / 2;
            stride *= 2;
            if (position % stride != 0)
            {
                return;
            }
        }

        if (size * (kept + 1) > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Min(size * Capacity, buffer.Length * 2));
        }

        item.CopyTo(buffer.AsSpan(size * kept++));
    }

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
        return new ShapeSummary(_kept, radius, spread, radial, distances, EdgeSummary(radius), StrokeSummary(cx, cy, cz, radius));
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

    /// <summary>
    /// How a drawing's straight strokes lie to each other, with no frame needed (so rotation,
    /// mirror, translation and scale leave it alone): length-pair-weighted shares of the angle
    /// between two strokes (0°..90°, undirected), length-weighted shares of the angle between a
    /// stroke and the line from the centroid to its midpoint (radial vs tangential strokes), and
    /// the shares of stroke ends that are free, join one other stroke, or meet two or more. Angles
    /// are shared linearly between the two nearest bin centres, so a right angle cannot jump bins
    /// on rounding; the shares of arc spans and the angles at corners where strokes meet. Null
    /// without strokes and arcs.
    /// </summary>
    private double[]? StrokeSummary(double cx, double cy, double cz, double radius)
    {
        if (_strokesKept == 0 && _arcs == 0)
        {
            return null;
        }

        var n = _strokesKept;
        var s = _strokes;
        var result = new double[StrokeDescriptors];
        var directions = new double[3 * n];
        var lengths = new double[n];
        for (var k = 0; k < n; k++)
        {
            var at = 6 * k;
            double dx = s[at + 3] - s[at], dy = s[at + 4] - s[at + 1], dz = s[at + 5] - s[at + 2];
            var length = Math.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
            lengths[k] = length;
            directions[3 * k] = dx / length;
            directions[(3 * k) + 1] = dy / length;
            directions[(3 * k) + 2] = dz / length;
        }

        var angles = result.AsSpan(0, AngleBins);
        var stride = Math.Max(1, n / PairedStrokes);
        for (var a = 0; a < n; a += stride)
        {
            for (var b = a + stride; b < n; b += stride)
            {
                ShareAngle(angles, Angle(directions, 3 * a, directions[3 * b], directions[(3 * b) + 1], directions[(3 * b) + 2], folded: true), lengths[a] * lengths[b]);
            }
        }

        Normalise(angles);

        var toCentre = result.AsSpan(AngleBins, RadialAngleBins);
        for (var k = 0; k < n; k++)
        {
            var at = 6 * k;
            double mx = (0.5 * (s[at] + s[at + 3])) - cx, my = (0.5 * (s[at + 1] + s[at + 4])) - cy, mz = (0.5 * (s[at + 2] + s[at + 5])) - cz;
            var m = Math.Sqrt((mx * mx) + (my * my) + (mz * mz));
            if (!(m > 1e-9 * radius))
            {
                continue;
            }

            ShareAngle(toCentre, Angle(directions, 3 * k, mx, my, mz, folded: true), lengths[k]);
        }

        Normalise(toCentre);

        // Endpoint degrees: ends snapped to a grid of JoinTolerance·R, counted in a sorted list
        // (no hashing of doubles, so the result cannot depend on a hash seed).
        var tolerance = JoinTolerance * radius;
        var ends = new (long X, long Y, long Z, int End)[2 * n];
        for (var k = 0; k < n; k++)
        {
            var at = 6 * k;
            ends[2 * k] = (Snap(s[at] - cx, tolerance), Snap(s[at + 1] - cy, tolerance), Snap(s[at + 2] - cz, tolerance), 2 * k);
            ends[(2 * k) + 1] = (Snap(s[at + 3] - cx, tolerance), Snap(s[at + 4] - cy, tolerance), Snap(s[at + 5] - cz, tolerance), (2 * k) + 1);
        }

        Array.Sort(ends);
        var degrees = result.AsSpan(AngleBins + RadialAngleBins, 3);
        var corners = result.AsSpan(StrokeDescriptors - CornerBins, CornerBins);
        for (var i = 0; i < ends.Length;)
        {
            var j = i + 1;
            while (j < ends.Length && (ends[j].X, ends[j].Y, ends[j].Z) == (ends[i].X, ends[i].Y, ends[i].Z))
            {
                j++;
            }

            degrees[Math.Min(j - i, 3) - 1] += j - i;

            // The angle between two strokes leaving a shared point (0° folded back, 180° straight on);
            // at most the first 4 strokes of a point, so a hostile star costs bounded work.
            for (var a = i; a < Math.Min(j, i + 4); a++)
            {
                for (var b = a + 1; b < Math.Min(j, i + 4); b++)
                {
                    // Both strokes pointing away from the shared point: the angle between them.
                    var sign = ((ends[a].End % 2) == (ends[b].End % 2) ? 1.0 : -1.0);
                    var other = 3 * (ends[b].End / 2);
                    Share(corners, Angle(directions, 3 * (ends[a].End / 2), sign * directions[other], sign * directions[other + 1], sign * directions[other + 2], folded: false) / Math.PI, 1);
                }
            }

            i = j;
        }

        Normalise(corners);
        for (var i = 0; i < 3; i++)
        {
            degrees[i] = ends.Length > 0 ? degrees[i] / ends.Length : 0;
        }

        // Touches (a stroke's end on another's interior) and crossings, and how far apart parallel strokes lie.
        var touchTolerance = 1e-4 * radius;
        var at0 = AngleBins + RadialAngleBins + 3;
        var parallel = result.AsSpan(at0 + 2, ParallelBins);
        double pairs = 0, crossings = 0, touches = 0, endsTested = 0, pairWeight = 0;
        for (var a = 0; a < n; a += stride)
        {
            for (var e = 0; e < 2; e++)
            {
                endsTested++;
                for (var b = 0; b < n; b += stride)
                {
                    if (b != a && OnInterior(s, (6 * a) + (3 * e), b, lengths[b], directions, touchTolerance))
                    {
                        touches++;
                        break;
                    }
                }
            }

            for (var b = a + stride; b < n; b += stride)
            {
                pairs++;
                var w = lengths[a] * lengths[b];
                pairWeight += w;
                var cos = Math.Abs((directions[3 * a] * directions[3 * b]) + (directions[(3 * a) + 1] * directions[(3 * b) + 1]) + (directions[(3 * a) + 2] * directions[(3 * b) + 2]));
                if (cos > 0.9998)
                {
                    double ox = s[6 * b] - s[6 * a], oy = s[(6 * b) + 1] - s[(6 * a) + 1], oz = s[(6 * b) + 2] - s[(6 * a) + 2];
                    var along = (ox * directions[3 * a]) + (oy * directions[(3 * a) + 1]) + (oz * directions[(3 * a) + 2]);
                    var d = Math.Sqrt(Math.Max(0, (ox * ox) + (oy * oy) + (oz * oz) - (along * along))) / radius;
                    parallel[d < 0.1 ? 0 : d < 0.3 ? 1 : d < 0.6 ? 2 : 3] += w;
                }
                else if (Crosses(s, a, b, touchTolerance))
                {
                    crossings++;
                }
            }
        }

        result[at0] = pairs > 0 ? crossings / pairs : 0;
        result[at0 + 1] = endsTested > 0 ? touches / endsTested : 0;
        for (var i = 0; i < ParallelBins; i++)
        {
            parallel[i] = pairWeight > 0 ? parallel[i] / pairWeight : 0;
        }

        var spans = result.AsSpan(at0 + 2 + ParallelBins, SpanBins);
        for (var i = 0; i < SpanBins; i++)
        {
            spans[i] = _arcs > 0 ? _spans[i] / _arcs : 0;
        }

        return result;
    }

    private static bool OnInterior(double[] s, int point, int stroke, double length, double[] directions, double tolerance)
    {
        var at = 6 * stroke;
        double ox = s[point] - s[at], oy = s[point + 1] - s[at + 1], oz = s[point + 2] - s[at + 2];
        var along = (ox * directions[3 * stroke]) + (oy * directions[(3 * stroke) + 1]) + (oz * directions[(3 * stroke) + 2]);
        if (!(along > tolerance && along < length - tolerance))
        {
            return false;
        }

        return (ox * ox) + (oy * oy) + (oz * oz) - (along * along) < tolerance * tolerance;
    }

    /// <summary>Whether two non-parallel strokes pass within the tolerance of each other away from both strokes' ends.</summary>
    private static bool Crosses(double[] s, int a, int b, double tolerance)
    {
        int i = 6 * a, j = 6 * b;
        double ux = s[i + 3] - s[i], uy = s[i + 4] - s[i + 1], uz = s[i + 5] - s[i + 2];
        double vx = s[j + 3] - s[j], vy = s[j + 4] - s[j + 1], vz = s[j + 5] - s[j + 2];
        double wx = s[i] - s[j], wy = s[i + 1] - s[j + 1], wz = s[i + 2] - s[j + 2];
        double aa = (ux * ux) + (uy * uy) + (uz * uz), bb = (ux * vx) + (uy * vy) + (uz * vz), cc = (vx * vx) + (vy * vy) + (vz * vz);
        double dd = (ux * wx) + (uy * wy) + (uz * wz), ee = (vx * wx) + (vy * wy) + (vz * wz);
        var denominator = (aa * cc) - (bb * bb);
        if (!(denominator > 0))
        {
            return false;
        }

        var t = ((bb * ee) - (cc * dd)) / denominator;
        var u = ((aa * ee) - (bb * dd)) / denominator;
        if (!(t * Math.Sqrt(aa) > tolerance && (1 - t) * Math.Sqrt(aa) > tolerance && u * Math.Sqrt(cc) > tolerance && (1 - u) * Math.Sqrt(cc) > tolerance))
        {
            return false;
        }

        double px = wx + (t * ux) - (u * vx), py = wy + (t * uy) - (u * vy), pz = wz + (t * uz) - (u * vz);
        return (px * px) + (py * py) + (pz * pz) < tolerance * tolerance;
    }

    /// <summary>
    /// The angle between the direction at <paramref name="at"/> and (x, y, z), by atan2 of the
    /// cross and dot products (well conditioned near 0° and 180°, unlike acos); folded: of
    /// undirected lines, 0..π/2.
    /// </summary>
    private static double Angle(double[] directions, int at, double x, double y, double z, bool folded)
    {
        double ux = directions[at], uy = directions[at + 1], uz = directions[at + 2];
        double cx = (uy * z) - (uz * y), cy = (uz * x) - (ux * z), cz = (ux * y) - (uy * x);
        var dot = (ux * x) + (uy * y) + (uz * z);
        return Math.Atan2(Math.Sqrt((cx * cx) + (cy * cy) + (cz * cz)), folded ? Math.Abs(dot) : dot);
    }

    private static long Snap(double value, double tolerance) => (long)Math.Round(value / tolerance);

    /// <summary>Adds <paramref name="weight"/> to the two bin centres (spread evenly over 0..π/2) nearest the angle.</summary>
    private static void ShareAngle(Span<double> bins, double angle, double weight) => Share(bins, angle / (Math.PI / 2), weight);

    /// <summary>Adds <paramref name="weight"/> to the two bin centres (spread evenly over 0..1) nearest the value, clamped to 0..1.</summary>
    private static void Share(Span<double> bins, double value, double weight)
    {
        var position = Math.Clamp(value, 0, 1) * (bins.Length - 1);
        var low = Math.Min((int)Math.Floor(position), bins.Length - 2);
        var share = position - low;
        bins[low] += weight * (1 - share);
        bins[low + 1] += weight * share;
    }

    /// <summary>Scales a histogram to sum 1 (left as it is when empty); arrays and stack buffers alike.</summary>
    private static void Normalise(Span<double> histogram)
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

    private static double Quantile(double[] sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];

    /// <summary>cos and sin of 2π·log10 length: where a length sits within its decade, the same in mm, cm and m.</summary>
    public static (double Cos, double Sin) DecadePhase(double length)
    {
        var (sin, cos) = Math.SinCos(2 * Math.PI * Math.Log10(length));
        return (cos, sin);
    }

    private static int Bin(double value, double range, int bins) =>
        value >= range ? bins - 1 : Math.Max(0, (int)(value / range * bins));

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
