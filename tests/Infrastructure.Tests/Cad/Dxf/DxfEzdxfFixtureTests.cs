using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Tests.Shared;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Files written by ezdxf (Fixtures/generate.py) that exercise what the Debian corpus lacks:
/// nested, rotated, mirrored and non-uniformly scaled block references with base points, MINSERT,
/// object coordinate systems, HATCH edge paths, R12 polylines and polyface meshes, binary DXF,
/// dimensions. Each must agree with ezdxf's own numbers for it.
/// </summary>
public sealed class DxfEzdxfFixtureTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(FixtureFolder, "*.dxf").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_written_by_ezdxf_reads_as_ezdxf_reads_it(string file)
    {
        var reference = EzdxfReference.Load(Path.Combine(FixtureFolder, "ezdxf_reference.json"));
        var expected = reference[file];

        var document = new DxfReader().Read(File.ReadAllBytes(Path.Combine(FixtureFolder, file)), CancellationToken.None);

        EzdxfReference.CompareCounts(expected, document, out var sameOrder).Should().BeNull();
        sameOrder.Should().BeTrue();
        EzdxfReference.CompareExtents(expected, document.Bounds).Should().BeNull();
    }

    private static string FixtureFolder { get; } = RepositoryPaths.Combine("tests", "Infrastructure.Tests", "Cad", "Dxf", "Fixtures");
}
