using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Infrastructure.Cad.Geometry;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>Reads points, directions and placements out of STEP instances.</summary>
internal sealed class StepGeometry(StepFile file)
{
    private readonly int _cartesianPoint = file.TypeCode("CARTESIAN_POINT");
    private readonly int _direction = file.TypeCode("DIRECTION");
    private readonly int _axis2Placement3D = file.TypeCode("AXIS2_PLACEMENT_3D");

    public StepFile File { get; } = file;

    /// <summary>
    /// The attribute at <paramref name="simpleIndex"/> of a simple instance, or at
    /// <paramref name="ownIndex"/> of the part <paramref name="typeCode"/> of a complex one.
    /// </summary>
    public ReadOnlySpan<byte> Attribute(int record, int typeCode, int simpleIndex, int ownIndex)
    {
        if (!File.IsComplex(record))
        {
            return StepValues.Item(File.PartParameters(record, 0), simpleIndex);
        }

        var part = File.FindPart(record, typeCode);
        return part < 0 ? [] : StepValues.Item(File.PartParameters(record, part), ownIndex);
    }

    public int? Reference(ReadOnlySpan<byte> item) =>
        StepValues.TryReference(item, out var id) ? File.IndexOf(id) : null;

    public bool IsPoint(int record) => File.HasType(record, _cartesianPoint);

    /// <summary>A 3D CARTESIAN_POINT; null for 1D/2D points (parameter space) and non-points.</summary>
    public Point3? Point(int record)
    {
        if (!IsPoint(record))
        {
            return null;
        }

        return StepValues.TryList(Attribute(record, _cartesianPoint, 1, 0), out var coordinates)
            ? Triple(record, coordinates, "coordinate")
            : throw File.Error(record, "A CARTESIAN_POINT has no coordinate list.");
    }

    public Point3? Direction(int record) =>
        File.HasType(record, _direction) && StepValues.TryList(Attribute(record, _direction, 1, 0), out var ratios)
            ? Triple(record, ratios, "direction ratio")
            : null;

    /// <summary>
    /// The frame of an AXIS2_PLACEMENT_3D (ISO 10303-42 build_axes: axis defaults to +Z, the
    /// reference direction to +X, projected to be normal to the axis), its location scaled by
    /// <paramref name="scale"/> millimetres per unit. Null when the instance is not such a placement.
    /// </summary>
    public Affine3? Placement(int record, double scale)
    {
        if (!File.HasType(record, _axis2Placement3D) || File.IsComplex(record))
        {
            return null;
        }

        var parameters = File.PartParameters(record, 0);
        if (Reference(StepValues.Item(parameters, 1)) is not { } locationRecord || Point(locationRecord) is not { } location)
        {
            return null;
        }

        var z = (Reference(StepValues.Item(parameters, 2)) is { } a ? Direction(a) : null)?.Normalized() ?? new Point3(0, 0, 1);
        if (z == default)
        {
            z = new Point3(0, 0, 1);
        }

        var reference = (Reference(StepValues.Item(parameters, 3)) is { } r ? Direction(r) : null) ?? new Point3(1, 0, 0);
        var x = (reference - (reference.Dot(z) * z)).Normalized();
        if (x == default)
        {
            var fallback = Math.Abs(z.X) < 0.9 ? new Point3(1, 0, 0) : new Point3(0, 1, 0);
            x = (fallback - (fallback.Dot(z) * z)).Normalized();
        }

        var y = z.Cross(x);
        return new Affine3(x, y, z, scale * location);
    }

    private Point3? Triple(int record, ReadOnlySpan<byte> list, string what)
    {
        var items = new StepItems(list);
        Span<double> values = stackalloc double[3];
        var count = 0;
        while (items.MoveNext(out var item))
        {
            if (count == 3)
            {
                return null;
            }

            if (!StepValues.TryReal(item, out values[count]))
            {
                throw File.Error(record, $"A {what} is not a number.");
            }

            if (!double.IsFinite(values[count]))
            {
                throw new CadReadException(
                    $"A {what} is not finite.",
                    new Dictionary<string, object?> { ["instance"] = $"#{File.IdOf(record)}" },
                    code: ErrorCodes.InvalidGeometry);
            }

            count++;
        }

        return count == 3 ? new Point3(values[0], values[1], values[2]) : null;
    }
}
