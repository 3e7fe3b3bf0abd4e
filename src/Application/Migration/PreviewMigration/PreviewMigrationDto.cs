using CadMl.Application.Migration.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Application.Migration.PreviewMigration;

/// <summary>
/// The preview: <see cref="AvgDelta"/> and <see cref="MedianDelta"/> are over the dimension deltas
/// of the sampled vectors that would change, null when none would.
/// </summary>
public sealed record MigrationPreviewDto(
    string ToVersion,
    long TotalVectors,
    IReadOnlyDictionary<string, long> ByVersion,
    int Sampled,
    IReadOnlyList<PreviewItemDto> Items,
    DimensionChangesDto EstimatedDimensionChanges,
    bool MigrationFeasible,
    double? AvgDelta,
    double? MedianDelta,
    IReadOnlyList<string> Warnings);

public sealed record DimensionChangesDto(int Positive, int Negative, int Zero);

/// <summary>One sampled vector's plan; <see cref="FromVersion"/> is the version the row declares, as stored.</summary>
public sealed record PreviewItemDto(
    string Id,
    MigrationItemStatus Status,
    string FromVersion,
    string ToVersion,
    int DimensionBefore,
    int DimensionAfter,
    MigrationMethod? Method,
    string? Error)
{
    public static PreviewItemDto From(MigrationSource source, MigrationPlanItem item) => new(
        item.Id, item.Status, source.DeclaredVersion, item.To.Name(), item.DimensionBefore, item.DimensionAfter, item.Method, item.Error);
}
