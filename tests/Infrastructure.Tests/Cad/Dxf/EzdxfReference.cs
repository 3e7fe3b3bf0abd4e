using System.Globalization;
using System.Text.Json;
using CadMl.Domain.Cad;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Reads the numbers Corpus/ezdxf_reference.py writes and compares a <see cref="CadDocument"/>
/// with them: identical entity, kind and layer counts; extents within 0.1 % of the larger side
/// (both empty counts as agreement).
/// </summary>
internal static class EzdxfReference
{
    private const double RelativeTolerance = 1e-3;

    public static string? CompareCounts(JsonElement expected, CadDocument document, out bool sameOrder)
    {
        var problems = new List<string>();
        var expectedCount = expected.GetProperty("entity_count").GetInt64();
        if (expectedCount != document.EntityCount)
        {
            problems.Add($"entities {document.EntityCount} vs ezdxf {expectedCount}");
        }

        var expectedKinds = expected.GetProperty("kinds").EnumerateObject().Select(p => (p.Name, Count: p.Value.GetInt32())).ToList();
        var actualKinds = document.Kinds.Select(k => (k.Name, k.Count)).ToList();
        sameOrder = expectedKinds.SequenceEqual(actualKinds);
        if (!expectedKinds.OrderBy(k => k.Name, StringComparer.Ordinal).SequenceEqual(actualKinds.OrderBy(k => k.Name, StringComparer.Ordinal)))
        {
            problems.Add($"kinds {Describe(actualKinds)} vs ezdxf {Describe(expectedKinds)}");
        }

        var expectedLayers = expected.GetProperty("layers").EnumerateObject().Count();
        if (expectedLayers != document.Layers.Count)
        {
            var ezdxfNames = string.Join(",", expected.GetProperty("layers").EnumerateObject().Select(p => p.Name));
            var ours = string.Join(",", document.Layers.Select(l => l.Name));
            problems.Add($"layers {document.Layers.Count} [{ours}] vs ezdxf {expectedLayers} [{ezdxfNames}]");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string Describe(IEnumerable<(string Name, int Count)> kinds) =>
        "{" + string.Join(", ", kinds.Select(k => $"{k.Name}:{k.Count}")) + "}";

    /// <summary>
    /// FEATURES.md measures splines by their control points and polylines by their centre line;
    /// the reference gives that variant as extents_contract (equal to ezdxf's own extents when the
    /// file has neither splines nor wide polylines).
    /// </summary>
    public static string? CompareExtents(JsonElement expected, BoundingBox actual)
    {
        var box = expected.GetProperty("extents_contract");
        var actualEmpty = actual == BoundingBox.Empty;
        if (box.ValueKind == JsonValueKind.Null)
        {
            return actualEmpty ? null : $"extents {Format(actual)} vs ezdxf none";
        }

        var e = new BoundingBox(
            box.GetProperty("min_x").GetDouble(), box.GetProperty("min_y").GetDouble(), box.GetProperty("min_z").GetDouble(),
            box.GetProperty("max_x").GetDouble(), box.GetProperty("max_y").GetDouble(), box.GetProperty("max_z").GetDouble());
        if (actualEmpty && e != BoundingBox.Empty)
        {
            return $"extents none vs ezdxf {Format(e)}";
        }

        var side = Math.Max(
            Math.Max(Math.Max(e.Width, e.Height), e.Depth),
            Math.Max(Math.Max(actual.Width, actual.Height), actual.Depth));
        var tolerance = side > 0 ? side * RelativeTolerance : 1e-9;
        var worst = new[]
        {
            Math.Abs(actual.MinX - e.MinX), Math.Abs(actual.MinY - e.MinY), Math.Abs(actual.MinZ - e.MinZ),
            Math.Abs(actual.MaxX - e.MaxX), Math.Abs(actual.MaxY - e.MaxY), Math.Abs(actual.MaxZ - e.MaxZ),
        }.Max();
        return worst <= tolerance
            ? null
            : $"extents {Format(actual)} vs ezdxf {Format(e)} (off by {worst.ToString("G4", CultureInfo.InvariantCulture)}, tolerance {tolerance.ToString("G4", CultureInfo.InvariantCulture)})";
    }

    private static string Format(BoundingBox b) => string.Create(
        CultureInfo.InvariantCulture,
        $"({b.MinX:G6}, {b.MinY:G6}, {b.MinZ:G6})–({b.MaxX:G6}, {b.MaxY:G6}, {b.MaxZ:G6})");

    public static Dictionary<string, JsonElement> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The ezdxf reference {path} is missing. Run build/fetch-corpus (build/test does it first).");
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
    }
}
