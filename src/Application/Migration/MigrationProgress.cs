namespace CadMl.Application.Migration;

/// <summary>The run in progress, if any, for the status endpoint; one per process, like the run itself.</summary>
internal sealed class MigrationProgress
{
    private volatile RunningMigrationDto? _current;

    public RunningMigrationDto? Current => _current;

    public void Report(RunningMigrationDto state) => _current = state;

    public void Clear() => _current = null;
}

/// <summary>How far the running migration has come: batches written and item counts so far.</summary>
public sealed record RunningMigrationDto(
    string MigrationId,
    string ToVersion,
    bool DryRun,
    string Scope,
    DateTimeOffset StartedAt,
    int Batches,
    MigrationTotalsDto Totals);
