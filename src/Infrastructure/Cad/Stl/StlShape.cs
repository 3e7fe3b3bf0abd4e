using System.Buffers.Binary;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Stl;

/// <summary>
/// Feeds a mesh's triangles to the v5 shape digest: each triangle's corners and centroid, weighted
/// by a quarter of its area, so the digest describes the surface rather than how finely an
/// exporter tessellated it.
/// </summary>
internal static class StlShape
{
    public static void AddTriangle(ShapeSampler sampler, double ax, double ay, double az, double bx, double by, double bz, double cx, double cy, double cz)
    {
        double ux = bx - ax, uy = by - ay, uz = bz - az, vx = cx - ax, vy = cy - ay, vz = cz - az;
        double nx = (uy * vz) - (uz * vy), ny = (uz * vx) - (ux * vz), nz = (ux * vy) - (uy * vx);
        var weight = Math.Sqrt((nx * nx) + (ny * ny) + (nz * nz)) / 8;
        if (!(weight > 0))
        {
            return;
        }

        sampler.Add((ax + bx + cx) / 3, (ay + by + cy) / 3, (az + bz + cz) / 3, weight);
        sampler.Add(ax, ay, az, weight);
        sampler.Add(bx, by, bz, weight);
        sampler.Add(cx, cy, cz, weight);
    }

    /// <summary>A second, scalar pass over a binary STL (the bounds pass is vectorised and stays as it is).</summary>
    public static ShapeSummary? OfBinary(ReadOnlySpan<byte> bytes, int count, CancellationToken cancellationToken)
    {
        const int header = 84, record = 50, firstVertex = 12;
        var sampler = new ShapeSampler();
        for (var i = 0; i < count; i++)
        {
            if (i % 65536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var v = bytes.Slice(header + (i * record) + firstVertex, 36);
            AddTriangle(
                sampler,
                F(v, 0), F(v, 4), F(v, 8),
                F(v, 12), F(v, 16), F(v, 20),
                F(v, 24), F(v, 28), F(v, 32));
        }

        return sampler.Summarise();

        static double F(ReadOnlySpan<byte> v, int at) => BinaryPrimitives.ReadSingleLittleEndian(v[at..]);
    }
}
