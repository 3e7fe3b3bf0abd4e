namespace CadMl.ModelTrainer.Solids;

/// <summary>
/// A corner of a closed profile. The segment from this corner to the next is straight, an arc
/// about (<see cref="CentreU"/>, <see cref="CentreV"/>), counter-clockwise unless <see cref="Clockwise"/>,
/// or a cubic B-spline over <see cref="Spline"/> (its first point is this corner, its last the next).
/// Outer profiles run counter-clockwise.
/// </summary>
internal readonly record struct ProfilePoint(double U, double V, double CentreU = double.NaN, double CentreV = double.NaN, bool Clockwise = false, (double U, double V)[]? Spline = null)
{
    public bool IsArc => !double.IsNaN(CentreU);
}

internal sealed record PrismFaces(Face Bottom, Face Top, Face[][] Sides);

internal sealed record RevolvedFaces(Face Bottom, Face Top, List<Face> Shoulders);

/// <summary>
/// The modelling operations the synthetic solids are made of: extruded profiles, pockets, holes
/// (through or blind) and solids of revolution, each adding faces that share their edges with the
/// faces they cut, so the result stays one closed shell.
/// </summary>
internal static class BrepFeatures
{
    /// <summary>The profile extruded by <paramref name="depth"/> along the frame's Z.</summary>
    public static PrismFaces Prism(this Brep brep, Frame frame, IReadOnlyList<ProfilePoint> profile, double depth)
    {
        var (lower, upper, sides) = Walls(brep, frame, profile, depth, outward: true);
        var bottom = brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.Origin, -frame.Z, frame.X)), true, Reverse(lower));
        var top = brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, depth), frame.Z, frame.X)), true, upper);
        return new PrismFaces(bottom, top, sides);
    }

    /// <summary>
    /// A pocket of the profile cut <paramref name="depth"/> deep into <paramref name="entry"/>; the
    /// frame lies on that face with Z pointing into the material. Returns the pocket's floor.
    /// </summary>
    public static Face Pocket(this Brep brep, Face entry, Frame frame, IReadOnlyList<ProfilePoint> profile, double depth)
    {
        var (lower, upper, _) = Walls(brep, frame, profile, depth, outward: false);
        entry.Loops.Add(lower);
        return brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, depth), -frame.Z, frame.X)), true, Reverse(upper));
    }

    /// <summary>
    /// A round hole drilled from <paramref name="entry"/> along the frame's Z (origin on the face);
    /// it comes out through <paramref name="exit"/>, or ends in a flat floor when that is null.
    /// </summary>
    public static void Hole(this Brep brep, Face entry, Face? exit, Frame frame, double radius, double depth)
    {
        var near = brep.Ring(frame, radius);
        var far = brep.Ring(frame.Offset(0, 0, depth), radius);
        entry.Loops.Add(near);
        brep.Wall(near, far, new Surface(SurfaceKind.Cylinder, frame, radius), sameSense: false);
        if (exit is not null)
        {
            exit.Loops.Add(Reverse(far));
        }
        else
        {
            brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, depth), -frame.Z, frame.X)), true, Reverse(far));
        }
    }

    /// <summary>
    /// A solid of revolution about the frame's Z through stations (z, r): equal radii give
    /// cylinders, equal z give shoulders (planar rings), anything else a cone. A positive
    /// <paramref name="bore"/> runs a hole along the whole axis.
    /// </summary>
    public static RevolvedFaces Revolve(this Brep brep, Frame frame, IReadOnlyList<(double Z, double R)> stations, double bore = 0)
    {
        var rings = stations.Select(s => brep.Ring(frame.Offset(0, 0, s.Z), s.R)).ToList();
        var shoulders = new List<Face>();
        for (var k = 0; k + 1 < stations.Count; k++)
        {
            var ((z0, r0), (z1, r1)) = (stations[k], stations[k + 1]);
            if (z0 == z1)
            {
                // The ring faces +Z where the solid steps down going along +Z.
                var up = r1 < r0;
                var (outer, inner) = up ? (rings[k], rings[k + 1]) : (rings[k + 1], rings[k]);
                var normal = up ? frame.Z : -frame.Z;
                shoulders.Add(brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, z0), normal, frame.X)), true, up ? outer : Reverse(outer), up ? Reverse(inner) : inner));
            }
            else if (r0 == r1)
            {
                brep.Wall(rings[k], rings[k + 1], new Surface(SurfaceKind.Cylinder, frame.Offset(0, 0, z0), r0), sameSense: true);
            }
            else
            {
                var angle = Math.Atan((r1 - r0) / (z1 - z0));
                var axis = angle > 0 ? frame.Z : -frame.Z;
                brep.Wall(rings[k], rings[k + 1], new Surface(SurfaceKind.Cone, Frame.Of(frame.At(0, 0, z0), axis, frame.X), r0, Math.Abs(angle)), sameSense: true);
            }
        }

        var (first, last) = (stations[0].Z, stations[^1].Z);
        var bottom = brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, first), -frame.Z, frame.X)), true, Reverse(rings[0]));
        var top = brep.AddFace(new Surface(SurfaceKind.Plane, Frame.Of(frame.At(0, 0, last), frame.Z, frame.X)), true, rings[^1]);
        if (bore > 0)
        {
            brep.Hole(bottom, top, Frame.Of(frame.At(0, 0, first), frame.Z, frame.X), bore, last - first);
        }

        return new RevolvedFaces(bottom, top, shoulders);
    }

    /// <summary>The side faces of a profile swept along Z; the walls face away from the profile's inside when <paramref name="outward"/>.</summary>
    private static (OrientedEdge[] Lower, OrientedEdge[] Upper, Face[][] Sides) Walls(Brep brep, Frame frame, IReadOnlyList<ProfilePoint> profile, double depth, bool outward)
    {
        var n = profile.Count;
        var lower = new OrientedEdge[n];
        var upper = new OrientedEdge[n];
        var sides = new Face[n][];
        for (var i = 0; i < n; i++)
        {
            var (p, q) = (profile[i], profile[(i + 1) % n]);
            Surface surface;
            bool sameSense;
            if (p.Spline is { } control)
            {
                Vec3[] At(double w) => [.. control.Select(c => frame.At(c.U, c.V, w))];
                (lower[i], upper[i]) = (brep.Spline(At(0)), brep.Spline(At(depth)));

                // u runs along the profile and v along Z, so ∂S/∂u × ∂S/∂v points out of a counter-clockwise profile.
                var normal = frame.Direction(q.V - p.V, p.U - q.U);
                surface = new Surface(SurfaceKind.BSpline, Frame.Of(frame.At(p.U, p.V, 0), normal, frame.Z), Grid: [.. control.Select(c => new[] { frame.At(c.U, c.V, 0), frame.At(c.U, c.V, depth) })]);
                sameSense = outward;
            }
            else if (p.IsArc)
            {
                var radius = Math.Sqrt(((p.U - p.CentreU) * (p.U - p.CentreU)) + ((p.V - p.CentreV) * (p.V - p.CentreV)));
                var axis = p.Clockwise ? -frame.Z : frame.Z;
                lower[i] = brep.Arc(Frame.Of(frame.At(p.CentreU, p.CentreV, 0), axis, frame.X), radius, frame.At(p.U, p.V, 0), frame.At(q.U, q.V, 0));
                upper[i] = brep.Arc(Frame.Of(frame.At(p.CentreU, p.CentreV, depth), axis, frame.X), radius, frame.At(p.U, p.V, depth), frame.At(q.U, q.V, depth));
                surface = new Surface(SurfaceKind.Cylinder, Frame.Of(frame.At(p.CentreU, p.CentreV, 0), frame.Z, frame.X), radius);
                sameSense = p.Clockwise != outward;
            }
            else
            {
                lower[i] = brep.Line(frame.At(p.U, p.V, 0), frame.At(q.U, q.V, 0));
                upper[i] = brep.Line(frame.At(p.U, p.V, depth), frame.At(q.U, q.V, depth));
                var along = frame.Direction(q.U - p.U, q.V - p.V);

                // Left of a counter-clockwise profile is inside, so (dv, −du) points out.
                var normal = frame.Direction(q.V - p.V, p.U - q.U);
                surface = new Surface(SurfaceKind.Plane, Frame.Of(frame.At(p.U, p.V, 0), normal, along));
                sameSense = outward;
            }

            var before = brep.Faces.Count;
            brep.Wall([lower[i]], [upper[i]], surface, sameSense);
            sides[i] = [.. brep.Faces.Skip(before)];
        }

        return (lower, upper, sides);
    }

    /// <summary>The same loop run the other way round.</summary>
    public static OrientedEdge[] Reverse(OrientedEdge[] loop) => [.. loop.Reverse().Select(e => e.Reversed)];
}
