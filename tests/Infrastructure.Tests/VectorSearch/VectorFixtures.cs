using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure.VectorSearch;
using CadMl.Infrastructure.VectorSearch.Faiss;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>The real shim (built by build/native) and seeded random vectors.</summary>
internal static class VectorFixtures
{
    /// <summary>Fails, never skips: without the shim these tests would prove nothing.</summary>
    public static FaissNative Native()
    {
        var native = new FaissLibrary(Options.Create(new VectorIndexOptions())).TryLoad(out var error);
        native.Should().NotBeNull($"the FAISS shim must be built (run build/native): {error}");
        return native!;
    }

    /// <summary>Uniform in [-1, 1): the hard case for approximate search (no cluster structure to exploit).</summary>
    public static double[][] Random(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        var vectors = new double[count][];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = new double[dimension];
            for (var d = 0; d < dimension; d++)
            {
                vectors[i][d] = (random.NextDouble() * 2) - 1;
            }
        }

        return vectors;
    }

    public static string[] Materials { get; } = ["steel", "aluminium", "brass"];

    public static VectorWrite Write(long seq, double[] values, long generation, FeatureVersion version = FeatureVersion.V4)
    {
        FeatureVector.TryCreate(version, values, out var vector);
        var meta = new Dictionary<string, string> { ["material"] = Materials[seq % 3], ["format"] = seq % 2 == 0 ? "dxf" : "stl" };
        return new VectorWrite(new StoredVector(seq, $"part-{seq}", vector!, meta, DateTimeOffset.UnixEpoch), null, null, generation);
    }

    /// <summary>Row-major normalised copy, as FAISS takes it.</summary>
    public static (float[] Vectors, long[] Seqs) RowMajor(double[][] vectors)
    {
        var dimension = vectors[0].Length;
        var flat = new float[vectors.Length * dimension];
        for (var i = 0; i < vectors.Length; i++)
        {
            VectorMath.Normalize(vectors[i], flat.AsSpan(i * dimension, dimension));
        }

        return (flat, [.. Enumerable.Range(0, vectors.Length).Select(i => (long)i)]);
    }
}
