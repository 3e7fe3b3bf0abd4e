namespace CadMl.ModelTrainer.Solids;

/// <summary>
/// Ear clipping of a planar polygon with holes. Each hole is joined to the outer ring by a bridge
/// to a vertex it can see (two coincident copies of each bridge end), then ears are cut from the
/// single ring. No vertex is added or dropped, so neighbouring faces that share an edge's points
/// keep sharing them in the mesh.
/// </summary>
internal static class PolygonTriangulation
{
    /// <summary>Triangles as indices into the loops' points taken in order (outer loop first, then each hole).</summary>
    public static List<(int A, int B, int C)> Triangulate(IReadOnlyList<(double X, double Y)[]> loops)
    {
        var points = loops.SelectMany(l => l).ToArray();
        var rings = new List<List<int>>();
        var offset = 0;
        foreach (var loop in loops)
        {
            var ring = Enumerable.Range(offset, loop.Length).ToList();
            offset += loop.Length;
            var counterClockwise = Area(points, ring) > 0;
            if (counterClockwise != (rings.Count == 0))
            {
                ring.Reverse();
            }

            rings.Add(ring);
        }

        var extent = points.Length == 0 ? 1 : Math.Max(points.Max(p => p.X) - points.Min(p => p.X), points.Max(p => p.Y) - points.Min(p => p.Y));
        var epsilon = 1e-12 * extent * extent;
        var outer = rings[0];
        var holes = rings.Skip(1).OrderByDescending(h => h.Max(i => points[i].X)).ToList();
        for (var h = 0; h < holes.Count; h++)
        {
            Bridge(points, outer, holes[h], holes.Skip(h + 1).ToList(), epsilon);
        }

        return Clip(points, outer, epsilon);
    }

    private static void Bridge((double X, double Y)[] points, List<int> outer, List<int> hole, List<List<int>> pending, double epsilon)
    {
        var m = 0;
        for (var i = 1; i < hole.Count; i++)
        {
            if (points[hole[i]].X > points[hole[m]].X)
            {
                m = i;
            }
        }

        var from = points[hole[m]];
        var candidates = Enumerable.Range(0, outer.Count).OrderBy(i => Distance2(points[outer[i]], from)).ThenBy(i => i);
        foreach (var p in candidates)
        {
            var to = points[outer[p]];
            if (InCone(points, outer, p, from, epsilon)
                && InCone(points, hole, m, to, epsilon)
                && !Crosses(points, outer, from, to)
                && !Crosses(points, hole, from, to)
                && !pending.Any(other => Crosses(points, other, from, to)))
            {
                var splice = new List<int>(hole.Count + 2);
                for (var k = 0; k <= hole.Count; k++)
                {
                    splice.Add(hole[(m + k) % hole.Count]);
                }

                splice.Add(outer[p]);
                outer.InsertRange(p + 1, splice);
                return;
            }
        }

        throw new InvalidOperationException("A hole could not be joined to the outline of its face.");
    }

    private static List<(int A, int B, int C)> Clip((double X, double Y)[] points, List<int> ring, double epsilon)
    {
        var triangles = new List<(int, int, int)>();
        var n = ring.Count;
        var next = Enumerable.Range(0, n).Select(i => (i + 1) % n).ToArray();
        var prev = Enumerable.Range(0, n).Select(i => (i + n - 1) % n).ToArray();
        var count = n;
        var current = 0;
        var stalled = 0;
        while (count > 3)
        {
            var (a, b, c) = (prev[current], current, next[current]);
            var isEar = IsEar(points, ring, next, a, b, c, epsilon);
            if (!isEar && stalled <= count)
            {
                current = next[current];
                stalled++;
                continue;
            }

            // After a full turn without an ear only degenerate corners are left: cut the flattest.
            if (!isEar)
            {
                b = Flattest(points, ring, prev, next, current, count);
                (a, c) = (prev[b], next[b]);
            }

            if (Math.Abs(Cross(points[ring[a]], points[ring[b]], points[ring[c]])) > epsilon)
            {
                triangles.Add((ring[a], ring[b], ring[c]));
            }

            next[a] = c;
            prev[c] = a;
            count--;
            current = c;
            stalled = 0;
        }

        var (x, y, z) = (prev[current], current, next[current]);
        if (Math.Abs(Cross(points[ring[x]], points[ring[y]], points[ring[z]])) > epsilon)
        {
            triangles.Add((ring[x], ring[y], ring[z]));
        }

        return triangles;
    }

    private static bool IsEar((double X, double Y)[] points, List<int> ring, int[] next, int a, int b, int c, double epsilon)
    {
        var (pa, pb, pc) = (points[ring[a]], points[ring[b]], points[ring[c]]);
        if (Cross(pa, pb, pc) <= epsilon)
        {
            return false;
        }

        for (var v = next[c]; v != a; v = next[v])
        {
            var p = points[ring[v]];
            if (p == pa || p == pb || p == pc)
            {
                continue;
            }

            if (Cross(pa, pb, p) >= 0 && Cross(pb, pc, p) >= 0 && Cross(pc, pa, p) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static int Flattest((double X, double Y)[] points, List<int> ring, int[] prev, int[] next, int start, int count)
    {
        var best = start;
        var bestArea = double.MaxValue;
        var v = start;
        for (var k = 0; k < count; k++, v = next[v])
        {
            var area = Math.Abs(Cross(points[ring[prev[v]]], points[ring[v]], points[ring[next[v]]]));
            if (area < bestArea)
            {
                (best, bestArea) = (v, area);
            }
        }

        return best;
    }

    /// <summary>Whether the direction from ring corner <paramref name="i"/> towards <paramref name="target"/> starts inside the polygon (left of both neighbouring edges).</summary>
    private static bool InCone((double X, double Y)[] points, List<int> ring, int i, (double X, double Y) target, double epsilon)
    {
        var a = points[ring[(i + ring.Count - 1) % ring.Count]];
        var p = points[ring[i]];
        var b = points[ring[(i + 1) % ring.Count]];
        var convex = Cross(a, p, b) > 0;
        var leftOfOutgoing = Cross(p, b, target) > epsilon;
        var leftOfIncoming = Cross(a, p, target) > epsilon;
        return convex ? leftOfOutgoing && leftOfIncoming : leftOfOutgoing || leftOfIncoming;
    }

    /// <summary>Whether segment from–to touches an edge of the ring that does not end at from or to.</summary>
    private static bool Crosses((double X, double Y)[] points, List<int> ring, (double X, double Y) from, (double X, double Y) to)
    {
        for (var i = 0; i < ring.Count; i++)
        {
            var (p, q) = (points[ring[i]], points[ring[(i + 1) % ring.Count]]);
            if (p == from || p == to || q == from || q == to)
            {
                continue;
            }

            var d1 = Cross(from, to, p);
            var d2 = Cross(from, to, q);
            var d3 = Cross(p, q, from);
            var d4 = Cross(p, q, to);
            if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
            {
                return true;
            }

            if ((d1 == 0 && OnSegment(from, to, p)) || (d2 == 0 && OnSegment(from, to, q)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool OnSegment((double X, double Y) a, (double X, double Y) b, (double X, double Y) p) =>
        p.X >= Math.Min(a.X, b.X) && p.X <= Math.Max(a.X, b.X) && p.Y >= Math.Min(a.Y, b.Y) && p.Y <= Math.Max(a.Y, b.Y);

    /// <summary>Twice the signed area of a, b, c: positive when they turn counter-clockwise.</summary>
    private static double Cross((double X, double Y) a, (double X, double Y) b, (double X, double Y) c) =>
        ((b.X - a.X) * (c.Y - a.Y)) - ((b.Y - a.Y) * (c.X - a.X));

    private static double Area((double X, double Y)[] points, List<int> ring)
    {
        var sum = 0.0;
        for (var i = 0; i < ring.Count; i++)
        {
            var (p, q) = (points[ring[i]], points[ring[(i + 1) % ring.Count]]);
            sum += (p.X * q.Y) - (q.X * p.Y);
        }

        return sum;
    }

    private static double Distance2((double X, double Y) a, (double X, double Y) b) => ((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y));
}
