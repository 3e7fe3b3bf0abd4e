using CadMl.Application.Migration.Ports;
using CadMl.Domain.Features;
using CadMl.Domain.Migration;

namespace CadMl.Application.Migration.MigrateVectors;

/// <summary>What a run has done so far: totals in full, items up to the report limit.</summary>
internal sealed class MigrationRunLog(MigrateVectorsCommand command, FeatureVersion target, string migrationId, DateTimeOffset startedAt, long startedTimestamp)
{
    private readonly List<MigrationItemDto> _items = [];
    private readonly long[] _counts = new long[Enum.GetValues<MigrationOutcome>().Length];
    private int _batches;

    public string MigrationId { get; } = migrationId;

    public string Scope { get; } = command.Ids is null ? "all" : "ids";

    public long StartedTimestamp { get; } = startedTimestamp;

    public IReadOnlyList<MigrationItemDto> Items => _items;

    public bool ItemsTruncated { get; private set; }

    public MigrationRun? Run { get; private set; }

    public void Add(IReadOnlyList<MigrationItemDto> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        _batches++;
        foreach (var item in items)
        {
            _counts[(int)item.Status]++;
            if (_items.Count < MigrateVectorsCommand.MaxReportedItems)
            {
                _items.Add(item);
            }
            else
            {
                ItemsTruncated = true;
            }
        }
    }

    public RunningMigrationDto Progress() => new(MigrationId, target.Name(), command.DryRun, Scope, startedAt, _batches, MigrationTotalsDto.From(Totals()));

    public MigrationRun Finish(DateTimeOffset finishedAt, TimeSpan elapsed, bool cancelled, string? failure)
    {
        var totals = Totals();
        var status = failure is not null ? "failed"
            : cancelled ? "cancelled"
            : totals.Error > 0 ? "completed_with_errors"
            : "completed";
        Run = new MigrationRun(MigrationId, target.Name(), command.DryRun, Scope, command.BatchSize, _batches, status,
            startedAt, finishedAt, elapsed.TotalSeconds, totals, failure);
        return Run;
    }

    private MigrationTotals Totals() => new(
        _counts.Sum(),
        _counts[(int)MigrationOutcome.Migrated],
        _counts[(int)MigrationOutcome.Downgraded],
        _counts[(int)MigrationOutcome.Skipped],
        _counts[(int)MigrationOutcome.NotFound],
        _counts[(int)MigrationOutcome.Error],
        _counts[(int)MigrationOutcome.DryRun]);
}
