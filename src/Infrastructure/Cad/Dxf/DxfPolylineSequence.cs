namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>
/// An R12-style POLYLINE: its header, then VERTEX records up to SEQEND, all one entity. The
/// vertices are kept until the sequence ends because only then is the whole outline known (a
/// closed 2D polyline's last bulge arc runs back to the first vertex).
/// </summary>
internal sealed class DxfPolylineSequence(DxfLocalOutline outline)
{
    // x, y, z, bulge, vertex flags per vertex.
    private const int Stride = 5;

    private double[] _vertices = [];
    private int _vertexCount;
    private long _flags;
    private bool _hasElevation;
    private double _elevation;
    private Ocs _ocs = Ocs.World;

    /// <summary>Starts a polyline with its header's flags (70), elevation (30, when written) and extrusion.</summary>
    public void Start(long flags, bool hasElevation, double elevation, Ocs ocs)
    {
        _flags = flags;
        _hasElevation = hasElevation;
        _elevation = elevation;
        _ocs = ocs;
        _vertexCount = 0;
    }

    public void Clear() => _vertexCount = 0;

    public void AddVertex(double x, double y, double z, double bulge, long flags)
    {
        if (_vertexCount + Stride > _vertices.Length)
        {
            Array.Resize(ref _vertices, Math.Max(80, _vertices.Length * 2));
        }

        _vertices[_vertexCount++] = x;
        _vertices[_vertexCount++] = y;
        _vertices[_vertexCount++] = z;
        _vertices[_vertexCount++] = bulge;
        _vertices[_vertexCount++] = flags;
    }

    public void EmitTo(GeometrySink sink)
    {
        var is3D = (_flags & (8 | 16 | 64)) != 0;
        if (is3D)
        {
            var polyface = (_flags & 64) != 0;
            for (var i = 0; i + Stride <= _vertexCount; i += Stride)
            {
                var vertexFlags = (long)_vertices[i + 4];

                // Polyface face records (128 without 64) hold vertex indices, not a position.
                if (polyface && (vertexFlags & 128) != 0 && (vertexFlags & 64) == 0)
                {
                    continue;
                }

                sink.Point(new Vec3(_vertices[i], _vertices[i + 1], _vertices[i + 2]));
            }

            if (!polyface && (_flags & 16) == 0)
            {
                Emit3DEdges(sink);
            }

            return;
        }

        if (_vertexCount == 0)
        {
            return;
        }

        // 2D polylines lie in their OCS at the polyline's elevation; a missing elevation is taken
        // from the first vertex, as ezdxf does.
        var elevation = _hasElevation ? _elevation : _vertices[2];
        var packed = new double[_vertexCount / Stride * 3];
        for (int i = 0, j = 0; i + Stride <= _vertexCount; i += Stride, j += 3)
        {
            packed[j] = _vertices[i];
            packed[j + 1] = _vertices[i + 1];
            packed[j + 2] = _vertices[i + 3];
        }

        outline.Clear();
        outline.Polyline(packed, packed.Length, 3, (_flags & 1) != 0, straightEdges: true);
        outline.EmitTo(sink, _ocs, elevation);
    }

    /// <summary>A 3D polyline's straight segments (and the closing one) as edges; mesh polylines keep their vertices only.</summary>
    private void Emit3DEdges(GeometrySink sink)
    {
        var n = _vertexCount / Stride;
        var last = (_flags & 1) != 0 ? n : n - 1;
        for (var k = 0; k < last; k++)
        {
            var a = k * Stride;
            var b = (k + 1) % n * Stride;
            sink.Segment(new Vec3(_vertices[a], _vertices[a + 1], _vertices[a + 2]), new Vec3(_vertices[b], _vertices[b + 1], _vertices[b + 2]));
        }
    }
}
