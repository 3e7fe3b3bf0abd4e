using CadMl.Infrastructure.VectorSearch.Faiss;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.VectorSearch;

/// <summary>
/// Native memory of the shim, read as the process's resident set. That is the only measure that
/// sees native allocations, but it counts every test running in the process, so these tests run
/// alone: a concurrent test once added 28 MB to the measured window.
/// </summary>
[Collection(NativeMemoryCollection.Name)]
public sealed class FaissMemoryTests(ITestOutputHelper output)
{
    private const int Dimension = 24;

    [Fact]
    public void Native_memory_stays_flat_over_many_create_add_remove_search_free_cycles()
    {
        var native = VectorFixtures.Native();
        var (flat, seqs) = VectorFixtures.RowMajor(VectorFixtures.Random(5_000, Dimension, seed: 7));
        var query = flat.AsSpan(0, Dimension).ToArray();
        var distances = new float[10];
        var labels = new long[10];
        void Cycle()
        {
            using var index = FaissIndex.Create(native, Dimension, new FaissIndexSpec(FaissKind.Flat));
            index.Add(flat, seqs);
            index.Search(query, 10, distances, labels);
            index.Remove(seqs.AsSpan(0, 2_500));
            index.Search(query, 10, distances, labels);
            index.Count.Should().Be(2_500);
        }

        for (var i = 0; i < 30; i++)
        {
            Cycle();
        }

        var before = ResidentBytes();
        for (var i = 0; i < 300; i++)
        {
            Cycle();
        }

        var growth = ResidentBytes() - before;
        output.WriteLine($"RSS growth over 300 create/add 5k/search/remove 2.5k/free cycles: {growth / 1024.0:F0} KiB");
        // One cycle allocates ~0.5 MB natively; a leak of it would add ~150 MB over 300 cycles.
        growth.Should().BeLessThan(16L * 1024 * 1024, "every native index must be freed");
    }

    /// <summary>Resident set size from /proc: counts native allocations, which the GC's numbers do not.</summary>
    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var pages = long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return pages * Environment.SystemPageSize;
    }
}

/// <summary>Tests that measure the whole process: xUnit runs this collection after all others, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    public const string Name = "native memory";
}
