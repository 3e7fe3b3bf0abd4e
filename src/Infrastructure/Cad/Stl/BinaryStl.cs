using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Cad.Stl;

/// <summary>
/// Binary STL: 80-byte header, little-endian uint32 triangle count, then 50-byte records (normal,
/// three vertices as float32 triples, a 2-byte attribute). Bounds are computed with 128-bit vector
/// min/max straight from the input buffer; nothing is allocated per triangle.
/// </summary>
internal static class BinaryStl
{
    private const int HeaderSize = 84;
    private const int RecordSize = 50;
    private const int FirstVertexOffset = 12;
    private const int CancellationStride = 1 << 16;

    public static bool HasMatchingSize(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= HeaderSize && HeaderSize + (RecordSize * (long)DeclaredTriangles(bytes)) == bytes.Length;

    public static CadReadException SizeMismatch(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
        {
            return new CadReadException(
                "The file is neither ASCII STL (no 'solid' keyword) nor binary STL (shorter than the 84-byte header).",
                new Dictionary<string, object?> { ["actual_bytes"] = bytes.Length });
        }

        var declared = DeclaredTriangles(bytes);
        return new CadReadException(
            "The binary STL triangle count does not match the file size.",
            new Dictionary<string, object?>
            {
                ["declared_triangles"] = declared,
                ["expected_bytes"] = HeaderSize + (RecordSize * (long)declared),
                ["actual_bytes"] = bytes.Length,
            });
    }

    public static StlMesh Read(ReadOnlySpan<byte> bytes, CancellationToken cancellationToken)
    {
        // HasMatchingSize holds, so the count fits the buffer and therefore an int.
        var count = (int)DeclaredTriangles(bytes);
        if (count == 0)
        {
            return new StlMesh(0, BoundingBox.Empty, Binary: true, SolidBlocks: 0);
        }

        var min = Vector128.Create(float.PositiveInfinity);
        var max = Vector128.Create(float.NegativeInfinity);
        var finite = Vector128<float>.AllBitsSet;

        // A 16-byte load of the third vertex reads 2 bytes past its record, so the last triangle
        // is done with scalar reads; big-endian hosts take the scalar path throughout.
        var vectorCount = BitConverter.IsLittleEndian ? count - 1 : 0;
        ref var origin = ref MemoryMarshal.GetReference(bytes);
        for (var start = 0; start < vectorCount; start += CancellationStride)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(vectorCount, start + CancellationStride);
            for (var i = start; i < end; i++)
            {
                var offset = HeaderSize + (i * RecordSize) + FirstVertexOffset;
                Accumulate(LoadVertex(ref origin, offset), ref min, ref max, ref finite);
                Accumulate(LoadVertex(ref origin, offset + 12), ref min, ref max, ref finite);
                Accumulate(LoadVertex(ref origin, offset + 24), ref min, ref max, ref finite);
            }
        }

        for (var i = vectorCount; i < count; i++)
        {
            var offset = HeaderSize + (i * RecordSize) + FirstVertexOffset;
            for (var v = 0; v < 3; v++)
            {
                var vertex = ReadVertexScalar(bytes, offset + (v * 12));
                Accumulate(vertex, ref min, ref max, ref finite);
            }
        }

        // Lane 3 holds bytes of the next field; only x, y and z decide.
        if (finite[0] == 0 || finite[1] == 0 || finite[2] == 0)
        {
            throw NonFinite(bytes, count);
        }

        var bounds = new BoundingBox(min[0], min[1], min[2], max[0], max[1], max[2]);
        return new StlMesh(count, bounds, Binary: true, SolidBlocks: 0, StlShape.OfBinary(bytes, count, cancellationToken));
    }

    private static uint DeclaredTriangles(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(80, 4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LoadVertex(ref byte origin, int offset) =>
        Vector128.LoadUnsafe(ref Unsafe.As<byte, float>(ref Unsafe.Add(ref origin, offset)));

    private static Vector128<float> ReadVertexScalar(ReadOnlySpan<byte> bytes, int offset) => Vector128.Create(
        BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(offset, 4)),
        BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(offset + 4, 4)),
        BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(offset + 8, 4)),
        0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector128<float> vertex, ref Vector128<float> min, ref Vector128<float> max, ref Vector128<float> finite)
    {
        min = Vector128.MinNative(min, vertex);
        max = Vector128.MaxNative(max, vertex);

        // v − v is 0 for finite values and NaN for NaN and ±∞.
        finite &= Vector128.Equals(vertex - vertex, Vector128<float>.Zero);
    }

    private static CadReadException NonFinite(ReadOnlySpan<byte> bytes, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var offset = HeaderSize + (i * RecordSize) + FirstVertexOffset;
            for (var c = 0; c < 9; c++)
            {
                var value = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(offset + (c * 4), 4));
                if (!float.IsFinite(value))
                {
                    return new CadReadException(
                        "The binary STL has a non-finite vertex coordinate.",
                        new Dictionary<string, object?> { ["triangle"] = i, ["value"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        code: ErrorCodes.InvalidGeometry);
                }
            }
        }

        return new CadReadException("The binary STL has a non-finite vertex coordinate.", context: null, code: ErrorCodes.InvalidGeometry);
    }
}
