using System.Buffers;

namespace CadMl.Api.Http;

/// <summary>
/// The arrays uploads are read into, pooled so that typical files (a few KB to a few MB) are not a
/// fresh large-object-heap allocation each under load, yet given back once a load is over.
/// <see cref="ArrayPool{T}.Shared"/> cannot do the second part: it keeps up to 32 arrays per size
/// per core plus one per thread and only trims them during a full collection, which an idle
/// service never runs. After a mixed load it held about 65 MiB of 1 MiB upload arrays for good
/// (docs/PERFORMANCE.md). Here <see cref="Release"/> swaps in an empty pool and the old one's arrays
/// become garbage; an array rented before the swap may still be returned afterwards: every pool has
/// the same buckets, so it simply lands in the new one.
/// </summary>
public static class UploadBuffers
{
    /// <summary>Files up to this size are pooled; larger ones are a fresh array freed with the request.</summary>
    public const int MaxPooledBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Enough that a load of concurrent analyses finds its arrays in the pool (bounded by admission
    /// anyway), and a bound on what the pool can keep per size: 64 × 1 MiB for the ~1 MB meshes.
    /// </summary>
    private const int ArraysPerBucket = 64;

    private static ArrayPool<byte> _pool = NewPool();

    public static byte[] Rent(int size) =>
        size <= MaxPooledBytes ? Volatile.Read(ref _pool).Rent(size) : GC.AllocateUninitializedArray<byte>(size);

    /// <summary>Gives a rented array back; arrays larger than the pooled size are left to the collector.</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= MaxPooledBytes)
        {
            Volatile.Read(ref _pool).Return(buffer);
        }
    }

    /// <summary>Drops every array the pool holds (the next collection frees them); rents keep working.</summary>
    public static void Release() => Volatile.Write(ref _pool, NewPool());

    private static ArrayPool<byte> NewPool() => ArrayPool<byte>.Create(MaxPooledBytes, ArraysPerBucket);
}
