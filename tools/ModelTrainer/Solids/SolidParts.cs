namespace CadMl.ModelTrainer.Solids;

/// <summary>
/// The six part families as 3D solids with randomised dimensions and feature counts: an extruded
/// plate with holes, an L-bracket with holes in both legs, a flange disc (often with a hub) with a
/// bore and a bolt circle, a stepped shaft with chamfers, a spur gear with its teeth and bore, and
/// a hollow housing with a pocket, tapped rim holes and floor holes. Modelled in the part's own
/// frame; the writers place them.
/// </summary>
internal static class SolidParts
{
    public static Brep Build(string family, Random random, bool splitFullCircles)
    {
        var brep = new Brep(splitFullCircles);
        switch (family)
        {
            case "plate": Plate(brep, random); break;
            case "bracket": Bracket(brep, random); break;
            case "flange": Flange(brep, random); break;
            case "shaft": Shaft(brep, random); break;
            case "gear": Gear(brep, random); break;
            case "housing": Housing(brep, random); break;
            default: throw new ArgumentOutOfRangeException(nameof(family), family, null);
        }

        return brep;
    }

    private static void Plate(Brep brep, Random random)
    {
        var w = Between(random, 40, 400);
        var h = w * Between(random, 0.3, 1);
        var t = Between(random, 2, Math.Max(3, 0.08 * h));
        var corner = random.Next(2) == 0 ? 0 : Between(random, 2, Math.Min(w, h) / 6);
        var faces = brep.Prism(Frame.World, RoundedRectangle(0, 0, w, h, corner), t);
        var holes = new List<(double U, double V, double R)>();
        for (var i = random.Next(0, 9); i > 0; i--)
        {
            if (Place(random, holes, corner, corner, w - corner, h - corner, Between(random, 2, Math.Min(w, h) / 8)) is { } hole)
            {
                brep.Hole(faces.Bottom, faces.Top, Frame.World.Offset(hole.U, hole.V, 0), hole.R, t);
            }
        }
    }

    private static void Bracket(Brep brep, Random random)
    {
        var a = Between(random, 40, 200);
        var b = a * Between(random, 0.6, 1.4);
        var t = Between(random, 4, 0.25 * Math.Min(a, b));
        var width = Between(random, 20, 150);
        var fillet = random.Next(2) == 0 ? 0 : Between(random, 0.5, 1.5) * t;
        List<ProfilePoint> profile = [new(0, 0), new(a, 0), new(a, t)];
        if (fillet > 0)
        {
            profile.Add(new ProfilePoint(t + fillet, t, t + fillet, t + fillet, Clockwise: true));
            profile.Add(new ProfilePoint(t, t + fillet));
        }
        else
        {
            profile.Add(new ProfilePoint(t, t));
        }

        profile.Add(new ProfilePoint(t, b));
        profile.Add(new ProfilePoint(0, b));

        // The L lies in X (base) and Z (upright) and is extruded along −Y by the bracket's width.
        var frame = Frame.Of(default, -Vec3.UnitY, Vec3.UnitX);
        var faces = brep.Prism(frame, profile, width);
        var (baseBottom, baseTop) = (faces.Sides[0][0], faces.Sides[2][0]);
        var (uprightOuter, uprightInner) = (faces.Sides[^1][0], faces.Sides[^3][0]);
        var radius = Between(random, 2, Math.Max(2.5, Math.Min(width, a - t) / 6));
        var onBase = new List<(double U, double V, double R)>();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            if (Place(random, onBase, t + fillet, 0, a, width, radius) is { } hole)
            {
                brep.Hole(baseBottom, baseTop, Frame.Of(frame.At(hole.U, 0, hole.V), frame.Y, frame.X), hole.R, t);
            }
        }

        var onUpright = new List<(double U, double V, double R)>();
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            if (Place(random, onUpright, t + fillet, 0, b, width, radius) is { } hole)
            {
                brep.Hole(uprightOuter, uprightInner, Frame.Of(frame.At(0, hole.U, hole.V), frame.X, frame.Y), hole.R, t);
            }
        }
    }

    private static void Flange(Brep brep, Random random)
    {
        var r = Between(random, 30, 200);
        var t = r * Between(random, 0.08, 0.2);
        var bore = r * Between(random, 0.2, 0.45);
        var boltRadius = r * Between(random, 0.04, 0.08);
        var pitch = r * Between(random, 0.7, 0.85);
        List<(double Z, double R)> stations = [(0, r), (t, r)];
        var hubRadius = bore + ((pitch - boltRadius - bore) * Between(random, 0.4, 0.8));
        var hasHub = random.Next(3) > 0;
        if (hasHub)
        {
            var hubLength = t * Between(random, 0.8, 2.5);
            stations.Add((t, hubRadius));
            stations.Add((t + hubLength, hubRadius));
        }

        var faces = brep.Revolve(Frame.World, stations, bore);
        var exit = hasHub ? faces.Shoulders[0] : faces.Top;
        var bolts = new[] { 3, 4, 6, 8, 12 }[random.Next(5)];
        for (var i = 0; i < bolts; i++)
        {
            var angle = 2 * Math.PI * i / bolts;
            brep.Hole(faces.Bottom, exit, Frame.World.Offset(pitch * Math.Cos(angle), pitch * Math.Sin(angle), 0), boltRadius, t);
        }
    }

    private static void Shaft(Brep brep, Random random)
    {
        var steps = random.Next(2, 7);
        var radii = new double[steps];
        var lengths = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            lengths[i] = Between(random, 20, 160);
            radii[i] = Between(random, 5, 40);
            if (i > 0 && Math.Abs(radii[i] - radii[i - 1]) < 1)
            {
                radii[i] = radii[i - 1] + 2;
            }
        }

        var chamfer = random.Next(2) == 0 ? 0 : Between(random, 0.5, 2.5);
        var stations = new List<(double Z, double R)>();
        if (chamfer > 0)
        {
            stations.Add((0, radii[0] - chamfer));
            stations.Add((chamfer, radii[0]));
        }
        else
        {
            stations.Add((0, radii[0]));
        }

        var z = 0.0;
        for (var i = 0; i < steps; i++)
        {
            z += lengths[i];
            if (i + 1 < steps)
            {
                stations.Add((z, radii[i]));
                stations.Add((z, radii[i + 1]));
            }
            else if (chamfer > 0)
            {
                stations.Add((z - chamfer, radii[i]));
                stations.Add((z, radii[i] - chamfer));
            }
            else
            {
                stations.Add((z, radii[i]));
            }
        }

        var hollow = random.Next(6) == 0;
        var thinnest = stations.Min(s => s.R);
        var faces = brep.Revolve(Frame.World, stations, hollow ? thinnest * Between(random, 0.3, 0.6) : 0);
        if (!hollow && random.Next(3) == 0)
        {
            // Centre holes at both ends, where the shaft was held between centres for turning.
            var radius = thinnest * Between(random, 0.1, 0.25);
            var depth = radius * Between(random, 1.5, 3);
            brep.Hole(faces.Bottom, null, Frame.World, radius, depth);
            brep.Hole(faces.Top, null, Frame.Of(new Vec3(0, 0, z), -Vec3.UnitZ, Vec3.UnitX), radius, depth);
        }
    }

    private static void Gear(Brep brep, Random random)
    {
        var teeth = random.Next(12, 61);
        var module = Between(random, 1, 5);
        var profile = SpurGearProfile(teeth, module);
        var root = (module * teeth / 2) - (1.25 * module);
        var width = module * Between(random, 5, 12);
        var faces = brep.Prism(Frame.World, profile, width);
        var bore = root * Between(random, 0.15, 0.35);
        brep.Hole(faces.Bottom, faces.Top, Frame.World, bore, width);
        if (root - bore > 20 && random.Next(5) < 2)
        {
            // Lightening holes in the web between the bore and the teeth.
            var count = random.Next(4, 7);
            var ring = (bore + root) / 2;
            var radius = (root - bore) * Between(random, 0.12, 0.2);
            for (var i = 0; i < count; i++)
            {
                var angle = 2 * Math.PI * i / count;
                brep.Hole(faces.Bottom, faces.Top, Frame.World.Offset(ring * Math.Cos(angle), ring * Math.Sin(angle), 0), radius, width);
            }
        }
    }

    private static void Housing(Brep brep, Random random)
    {
        var w = Between(random, 60, 400);
        var h = w * Between(random, 0.4, 1);
        var d = w * Between(random, 0.2, 0.8);
        var wall = Math.Min(Between(random, 3, 12), Math.Min(w, h) / 5);
        var floor = Math.Min(wall * Between(random, 0.8, 1.5), d / 3);
        var corner = random.Next(2) == 0 ? 0 : Between(random, 0.5, 0.5 * wall);
        var faces = brep.Prism(Frame.World, RoundedRectangle(0, 0, w, h, corner), d);

        // Looking down into the pocket from the top face, v runs along −Y. A milled pocket keeps the
        // cutter's radius in its corners.
        var inner = Between(random, 1, 1.5 * wall);
        var opening = Frame.Of(new Vec3(0, 0, d), -Vec3.UnitZ, Vec3.UnitX);
        var pocketFloor = brep.Pocket(faces.Top, opening, RoundedRectangle(wall, wall - h, w - (2 * wall), h - (2 * wall), inner), d - floor);

        var tapped = wall * Between(random, 0.2, 0.3);
        var depth = Math.Min(d - floor, tapped * Between(random, 3, 6));
        foreach (var (x, y) in new[] { (wall / 2, wall / 2), (w - (wall / 2), wall / 2), (w - (wall / 2), h - (wall / 2)), (wall / 2, h - (wall / 2)) })
        {
            brep.Hole(faces.Top, null, opening.Offset(x, -y, 0), tapped, depth);
        }

        var inFloor = new List<(double U, double V, double R)>();
        for (var i = random.Next(0, 5); i > 0; i--)
        {
            if (Place(random, inFloor, wall + inner, wall + inner, w - wall - inner, h - wall - inner, Between(random, 2, Math.Min(w, h) / 12)) is { } hole)
            {
                brep.Hole(faces.Bottom, pocketFloor, Frame.World.Offset(hole.U, hole.V, 0), hole.R, floor);
            }
        }
    }

    /// <summary>
    /// The outline of a spur gear with a 20° pressure angle: per tooth a root arc, a radial line
    /// down where the root lies inside the base circle, an involute flank (a cubic B-spline over
    /// points of the involute, as CAD kernels export it), a tip arc and the mirrored flank.
    /// </summary>
    private static List<ProfilePoint> SpurGearProfile(int teeth, double module)
    {
        var pitch = module * teeth / 2;
        var (tip, root, baseRadius) = (pitch + module, pitch - (1.25 * module), pitch * Math.Cos(20 * Math.PI / 180));
        static double Involute(double radius, double baseRadius) => radius <= baseRadius ? 0 : Math.Tan(Math.Acos(baseRadius / radius)) - Math.Acos(baseRadius / radius);

        // Half the tooth's angular thickness on the base circle.
        var halfBase = (Math.PI / (2 * teeth)) + Involute(pitch, baseRadius);
        var start = Math.Max(root, baseRadius);
        var profile = new List<ProfilePoint>();
        for (var i = 0; i < teeth; i++)
        {
            var (previous, centre) = (2 * Math.PI * (i - 1) / teeth, 2 * Math.PI * i / teeth);
            (double U, double V)[] Flank(double toothCentre, int side) => [.. Enumerable.Range(0, 6).Select(k =>
            {
                var r = start + ((tip - start) * k / 5);
                var angle = toothCentre + (side * (halfBase - Involute(r, baseRadius)));
                return (r * Math.Cos(angle), r * Math.Sin(angle));
            })];

            // The root arc runs from where the previous tooth's falling flank ends to this tooth's rising flank.
            var rising = Flank(centre, -1);
            var falling = Flank(centre, 1).Reverse().ToArray();
            var gapStart = root < baseRadius ? Polar(root, previous + halfBase) : new ProfilePoint(Flank(previous, 1)[0].U, Flank(previous, 1)[0].V);
            profile.Add(gapStart with { CentreU = 0, CentreV = 0 });
            if (root < baseRadius)
            {
                profile.Add(Polar(root, centre - halfBase));
            }

            profile.Add(new ProfilePoint(rising[0].U, rising[0].V, Spline: rising));
            profile.Add(new ProfilePoint(rising[^1].U, rising[^1].V, 0, 0));
            profile.Add(new ProfilePoint(falling[0].U, falling[0].V, Spline: falling));
            if (root < baseRadius)
            {
                profile.Add(new ProfilePoint(falling[^1].U, falling[^1].V));
            }
        }

        return profile;
    }

    /// <summary>A counter-clockwise rectangle from (u0, v0), its corners rounded when <paramref name="corner"/> is positive.</summary>
    private static List<ProfilePoint> RoundedRectangle(double u0, double v0, double w, double h, double corner)
    {
        var (u1, v1) = (u0 + w, v0 + h);
        if (corner <= 0)
        {
            return [new(u0, v0), new(u1, v0), new(u1, v1), new(u0, v1)];
        }

        var c = corner;
        return
        [
            new(u0 + c, v0), new(u1 - c, v0, u1 - c, v0 + c),
            new(u1, v0 + c), new(u1, v1 - c, u1 - c, v1 - c),
            new(u1 - c, v1), new(u0 + c, v1, u0 + c, v1 - c),
            new(u0, v1 - c), new(u0, v0 + c, u0 + c, v0 + c),
        ];
    }

    /// <summary>A hole of the radius somewhere in the rectangle, clear of its edges and of the holes already placed; null when it does not fit.</summary>
    private static (double U, double V, double R)? Place(Random random, List<(double U, double V, double R)> placed, double u0, double v0, double u1, double v1, double radius)
    {
        var margin = radius * 1.5;
        if (u1 - u0 <= 2 * margin || v1 - v0 <= 2 * margin)
        {
            return null;
        }

        for (var attempt = 0; attempt < 20; attempt++)
        {
            var u = Between(random, u0 + margin, u1 - margin);
            var v = Between(random, v0 + margin, v1 - margin);
            if (placed.All(p => Math.Sqrt(((p.U - u) * (p.U - u)) + ((p.V - v) * (p.V - v))) > p.R + radius + (0.5 * radius)))
            {
                placed.Add((u, v, radius));
                return (u, v, radius);
            }
        }

        return null;
    }

    private static ProfilePoint Polar(double radius, double angle) => new(radius * Math.Cos(angle), radius * Math.Sin(angle));

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}
