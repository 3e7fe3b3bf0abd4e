namespace CadMl.ModelTrainer.Solids;

internal readonly record struct Triangle(Vec3 A, Vec3 B, Vec3 C)
{
    public Vec3 Normal => (B - A).Cross(C - A);
}

/// <summary>
/// Turns a <see cref="Brep"/> into triangles the way an exporter meshes a solid: every edge is
/// cut into a polyline once (arcs within a chord and angle tolerance), planar faces are
/// triangulated inside their loops, ruled faces (cylinders, cones) as strips zipped between their
/// two rails. Each triangle is wound counter-clockwise seen from outside the solid.
/// </summary>
internal static class Tessellation
{
    public static List<Triangle> Mesh(Brep brep, MeshTolerance tolerance)
    {
        var triangles = new List<Triangle>();
        foreach (var face in brep.Faces)
        {
            var before = triangles.Count;
            if (face.Surface.Kind == SurfaceKind.Plane)
            {
                Planar(face, tolerance, triangles);
            }
            else
            {
                Strip(face, tolerance, triangles);
            }

            for (var i = before; i < triangles.Count; i++)
            {
                var t = triangles[i];
                var outward = face.Surface.NormalAt((1.0 / 3) * (t.A + t.B + t.C));
                if ((t.Normal.Dot(outward) < 0) == face.SameSense)
                {
                    triangles[i] = new Triangle(t.A, t.C, t.B);
                }
            }
        }

        return triangles;
    }

    private static void Planar(Face face, MeshTolerance tolerance, List<Triangle> triangles)
    {
        var frame = face.Surface.Frame;
        var loops = face.Loops.Select(loop => Polyline(loop, tolerance)).ToList();
        var flat = loops.Select(l => l.Select(p => ((p - frame.Origin).Dot(frame.X), (p - frame.Origin).Dot(frame.Y))).ToArray()).ToList();
        var points = loops.SelectMany(l => l).ToArray();
        foreach (var (a, b, c) in PolygonTriangulation.Triangulate(flat))
        {
            triangles.Add(new Triangle(points[a], points[b], points[c]));
        }
    }

    /// <summary>
    /// A ruled face's loop is (rail, seam, other rail backwards, seam). The rails are zipped by
    /// their fraction of the sweep, so a cone between a coarse small circle and a finer large one
    /// still closes against both.
    /// </summary>
    private static void Strip(Face face, MeshTolerance tolerance, List<Triangle> triangles)
    {
        var loop = face.Loops[0];
        if (loop.Length != 4)
        {
            throw new InvalidOperationException("A ruled face needs a loop of two rails and two seams.");
        }

        var a = loop[0].Points(tolerance);
        var b = loop[2].Reversed.Points(tolerance);
        var (i, j) = (0, 0);
        var (na, nb) = (a.Length - 1, b.Length - 1);
        while (i < na || j < nb)
        {
            // Advance along the rail whose next point comes first; cross-multiplied to stay exact.
            if (j == nb || (i < na && ((i + 1) * (long)nb) <= ((j + 1) * (long)na)))
            {
                AddUnlessDegenerate(triangles, new Triangle(a[i], a[i + 1], b[j]));
                i++;
            }
            else
            {
                AddUnlessDegenerate(triangles, new Triangle(a[i], b[j + 1], b[j]));
                j++;
            }
        }
    }

    private static void AddUnlessDegenerate(List<Triangle> triangles, Triangle triangle)
    {
        if (triangle.Normal.Length > 1e-12)
        {
            triangles.Add(triangle);
        }
    }

    /// <summary>A loop's points in order, each shared corner once.</summary>
    private static List<Vec3> Polyline(OrientedEdge[] loop, MeshTolerance tolerance)
    {
        var points = new List<Vec3>();
        foreach (var edge in loop)
        {
            var edgePoints = edge.Points(tolerance);
            points.AddRange(edgePoints.Take(edgePoints.Length - 1));
        }

        return points;
    }
}
