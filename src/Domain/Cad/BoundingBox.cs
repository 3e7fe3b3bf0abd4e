namespace CadMl.Domain.Cad;

/// <summary>Axis-aligned extents in drawing units. A flat drawing has depth 0; no geometry is all zeros.</summary>
public readonly record struct BoundingBox(double MinX, double MinY, double MinZ, double MaxX, double MaxY, double MaxZ)
{
    public static BoundingBox Empty => default;

    public double Width => MaxX - MinX;

    public double Height => MaxY - MinY;

    public double Depth => MaxZ - MinZ;

    /// <summary>V = max(w,0)·max(h,0)·max(d,0).</summary>
    public double Volume => Math.Max(Width, 0) * Math.Max(Height, 0) * Math.Max(Depth, 0);

    public bool IsFinite =>
        double.IsFinite(MinX) && double.IsFinite(MinY) && double.IsFinite(MinZ)
        && double.IsFinite(MaxX) && double.IsFinite(MaxY) && double.IsFinite(MaxZ);
}

/// <summary>Grows extents point by point; readers feed it every geometric point they trust.</summary>
public sealed class BoundsAccumulator
{
    private double _minX = double.PositiveInfinity, _minY = double.PositiveInfinity, _minZ = double.PositiveInfinity;
    private double _maxX = double.NegativeInfinity, _maxY = double.NegativeInfinity, _maxZ = double.NegativeInfinity;

    public bool IsEmpty => _minX > _maxX;

    public void Include(double x, double y, double z)
    {
        if (x < _minX) _minX = x;
        if (x > _maxX) _maxX = x;
        if (y < _minY) _minY = y;
        if (y > _maxY) _maxY = y;
        if (z < _minZ) _minZ = z;
        if (z > _maxZ) _maxZ = z;
    }

    public void Include(in BoundingBox box)
    {
        Include(box.MinX, box.MinY, box.MinZ);
        Include(box.MaxX, box.MaxY, box.MaxZ);
    }

    public BoundingBox ToBox() => IsEmpty ? BoundingBox.Empty : new BoundingBox(_minX, _minY, _minZ, _maxX, _maxY, _maxZ);
}
