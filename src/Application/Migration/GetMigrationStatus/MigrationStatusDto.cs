using CadMl.Application.Migration.Ports;

namespace CadMl.Application.Migration.GetMigrationStatus;

/// <summary><see cref="Running"/> is null when no migration runs; <see cref="Runs"/> are newest first.</summary>
public sealed record MigrationStatusDto(
    RunningMigrationDto? Running,
    long TotalVectors,
    IReadOnlyDictionary<string, long> ByVersion,
    IReadOnlyList<MigrationRun> Runs);
