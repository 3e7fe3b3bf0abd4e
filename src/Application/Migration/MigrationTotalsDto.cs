using CadMl.Application.Migration.Ports;

namespace CadMl.Application.Migration;

/// <summary>Counts of a migration run by outcome; <see cref="Processed"/> is their sum.</summary>
public sealed record MigrationTotalsDto(long Processed, long Migrated, long Downgraded, long Skipped, long NotFound, long Error, long DryRun)
{
    public static MigrationTotalsDto From(MigrationTotals totals) =>
        new(totals.Processed, totals.Migrated, totals.Downgraded, totals.Skipped, totals.NotFound, totals.Error, totals.DryRun);
}
